-- 复核 has a state: the reviewer's draft, final once a reviewer says so (the differences and
-- the notice read final scores only); a final score is reopened with a reason. Scores stored
-- before the state existed are drafts until a reviewer finalises them. A project table
-- (项目支出绩效自评表) is re-scored too: its review score names the project (`project_code`;
-- '' for the departmental self-evaluation), one per unit, year and project. The table is built
-- again to change its UNIQUE constraint, which SQLite changes no other way; nothing refers
-- to its ids, so the rows are copied and numbered anew.
CREATE TABLE review_scores_copy AS SELECT * FROM review_scores;
DROP TABLE review_scores;
CREATE TABLE review_scores (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    department_id BIGINT NOT NULL REFERENCES departments (id),
    year INTEGER NOT NULL,
    version BIGINT NOT NULL,
    document TEXT NOT NULL,
    reviewed_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    state TEXT NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'final')),
    finalized_by TEXT,
    finalized_at TIMESTAMP,
    reopen_reason TEXT,
    project_code TEXT NOT NULL DEFAULT '',
    UNIQUE (department_id, year, project_code)
);
INSERT INTO review_scores (department_id, year, version, document, reviewed_by, created_at, updated_at)
SELECT department_id, year, version, document, reviewed_by, created_at, updated_at
FROM review_scores_copy ORDER BY id;
DROP TABLE review_scores_copy;
-- 抽查: a spot-check sample the bureau drew for a year, numbered within the year; the document
-- holds its parameters, the population by stratum and the drawn list, so that the draw can be
-- repeated from its seed.
CREATE TABLE review_samples (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    year INTEGER NOT NULL,
    number BIGINT NOT NULL,
    seed BIGINT NOT NULL,
    document TEXT NOT NULL,
    drawn_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (year, number)
);
