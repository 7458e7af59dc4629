-- Who may use the service: people who log in, and the long-lived tokens of unit systems.
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'reviewer', 'analyst', 'unit')),
    department_code TEXT REFERENCES departments (code),
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    -- Goes up with every change of password or rights; a login token carries the generation
    -- it was issued in and is refused once the user's has moved on.
    token_generation BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE service_tokens (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    department_code TEXT NOT NULL REFERENCES departments (code),
    -- SHA-256 of the token, hex; the token itself is shown once and never stored.
    token_hash TEXT NOT NULL UNIQUE,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);
CREATE INDEX service_tokens_department_code ON service_tokens (department_code);
