-- The review cycle: who did what, approved targets, the year's settings, and the projections
-- that comparisons read (one metrics row per evaluation, one row per indicator), rewritten in
-- the same transaction as every change of a report.
ALTER TABLE evaluation_revisions ADD COLUMN actor TEXT;
ALTER TABLE evaluation_revisions ADD COLUMN comment TEXT;
ALTER TABLE evaluations ADD COLUMN approved_goals TEXT;

CREATE TABLE year_settings (
    year INTEGER PRIMARY KEY,
    settings TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- Amounts in fen (万元 × 1,000,000), rates in percent × 10,000, scores in points × 100.
CREATE TABLE evaluation_metrics (
    evaluation_id BIGINT PRIMARY KEY REFERENCES evaluations (id),
    department_code TEXT NOT NULL REFERENCES departments (code),
    year INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'returned', 'accepted', 'published')),
    basic_initial BIGINT,
    basic_adjusted BIGINT,
    basic_executed BIGINT,
    project_initial BIGINT,
    project_adjusted BIGINT,
    project_executed BIGINT,
    total_initial BIGINT,
    total_adjusted BIGINT,
    total_executed BIGINT,
    execution_rate BIGINT,
    adjustment_rate BIGINT,
    three_public_budget BIGINT,
    three_public_actual BIGINT,
    three_public_prior_actual BIGINT,
    authorized_staff BIGINT,
    staff_on_payroll BIGINT,
    staffing_control_rate BIGINT,
    score BIGINT,
    grade TEXT CHECK (grade IN ('excellent', 'good', 'fair', 'poor')),
    indicators_total INTEGER NOT NULL,
    indicators_met INTEGER NOT NULL,
    findings_errors INTEGER NOT NULL,
    findings_warnings INTEGER NOT NULL,
    problems_count INTEGER NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX evaluation_metrics_year ON evaluation_metrics (year, department_code);

CREATE TABLE indicator_metrics (
    evaluation_id BIGINT NOT NULL REFERENCES evaluations (id),
    indicator_id TEXT NOT NULL,
    department_code TEXT NOT NULL,
    year INTEGER NOT NULL,
    name TEXT NOT NULL,
    unit TEXT NOT NULL,
    level1 TEXT NOT NULL,
    met BOOLEAN,
    attainment BIGINT,
    score BIGINT,
    PRIMARY KEY (evaluation_id, indicator_id)
);
CREATE INDEX indicator_metrics_goal ON indicator_metrics (department_code, name, unit, year);
