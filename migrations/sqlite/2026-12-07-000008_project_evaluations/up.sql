-- 项目支出绩效自评表: one per unit, year and project (the code the unit gives it), in the same
-- review cycle as the departmental report, with every stored version kept.
CREATE TABLE project_evaluations (
    id INTEGER PRIMARY KEY,
    department_id BIGINT NOT NULL REFERENCES departments (id),
    year INTEGER NOT NULL,
    project_code TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'returned', 'accepted', 'published')),
    version BIGINT NOT NULL,
    document TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (department_id, year, project_code)
);
CREATE INDEX project_evaluations_year ON project_evaluations (year, department_id);

CREATE TABLE project_evaluation_revisions (
    id INTEGER PRIMARY KEY,
    project_evaluation_id BIGINT NOT NULL REFERENCES project_evaluations (id),
    version BIGINT NOT NULL,
    action TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'returned', 'accepted', 'published')),
    document TEXT NOT NULL,
    actor TEXT,
    comment TEXT,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (project_evaluation_id, version)
);
