-- Budget units, their yearly self-evaluations, and every stored version of those.
CREATE TABLE departments (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    funding_type TEXT,
    parent_code TEXT REFERENCES departments (code),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX departments_parent_code ON departments (parent_code);
CREATE INDEX departments_kind ON departments (kind);

CREATE TABLE evaluations (
    id INTEGER PRIMARY KEY,
    department_id BIGINT NOT NULL REFERENCES departments (id),
    year INTEGER NOT NULL,
    status TEXT NOT NULL,
    version BIGINT NOT NULL,
    document TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (department_id, year)
);
CREATE INDEX evaluations_year_status ON evaluations (year, status);

CREATE TABLE evaluation_revisions (
    id INTEGER PRIMARY KEY,
    evaluation_id BIGINT NOT NULL REFERENCES evaluations (id),
    version BIGINT NOT NULL,
    action TEXT NOT NULL,
    status TEXT NOT NULL,
    document TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (evaluation_id, version)
);
