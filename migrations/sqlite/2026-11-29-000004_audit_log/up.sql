-- Every administrative and review action and every failed authentication: who, what, when,
-- from where, and how it ended. Never a password or a token.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TIMESTAMP NOT NULL,
    -- The acting subject (user name, portal:<sub>, service-token:<id>), the name a login
    -- attempt gave, or NULL when no one could be told.
    actor TEXT,
    action TEXT NOT NULL,
    -- The path acted on.
    target TEXT,
    address TEXT,
    status INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    detail TEXT
);
