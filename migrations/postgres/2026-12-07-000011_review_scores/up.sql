-- 复核: the bureau's review score of one unit's self-evaluation of a year, beside the unit's own
-- (which stays in its report), versioned.
CREATE TABLE review_scores (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    department_id BIGINT NOT NULL REFERENCES departments (id),
    year INTEGER NOT NULL,
    version BIGINT NOT NULL,
    document TEXT NOT NULL,
    reviewed_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (department_id, year)
);
