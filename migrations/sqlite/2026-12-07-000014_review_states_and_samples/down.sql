DROP TABLE review_samples;
-- Project tables' review scores and the states are dropped with the columns that hold them.
CREATE TABLE review_scores_copy AS SELECT * FROM review_scores WHERE project_code = '';
DROP TABLE review_scores;
CREATE TABLE review_scores (
    id INTEGER PRIMARY KEY,
    department_id BIGINT NOT NULL REFERENCES departments (id),
    year INTEGER NOT NULL,
    version BIGINT NOT NULL,
    document TEXT NOT NULL,
    reviewed_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (department_id, year)
);
INSERT INTO review_scores (department_id, year, version, document, reviewed_by, created_at, updated_at)
SELECT department_id, year, version, document, reviewed_by, created_at, updated_at
FROM review_scores_copy ORDER BY id;
DROP TABLE review_scores_copy;
