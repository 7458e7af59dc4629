-- 绩效运行监控: one report per unit, year, period (`1-6` for 1–6月) and subject — the
-- departmental budget, where project_code is empty, or one of the unit's projects — versioned.
CREATE TABLE monitoring_reports (
    id INTEGER PRIMARY KEY,
    department_id BIGINT NOT NULL REFERENCES departments (id),
    year INTEGER NOT NULL,
    period TEXT NOT NULL,
    project_code TEXT NOT NULL,
    version BIGINT NOT NULL,
    document TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (department_id, year, period, project_code)
);
CREATE INDEX monitoring_reports_year ON monitoring_reports (year, period, department_id);
