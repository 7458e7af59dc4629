-- 结果应用规则: the bureau's grade bands of a year and what each grade means for next year's
-- budget, versioned; a year without a row has the default bands.
CREATE TABLE result_rules (
    id INTEGER PRIMARY KEY,
    year INTEGER NOT NULL UNIQUE,
    version BIGINT NOT NULL,
    document TEXT NOT NULL,
    set_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
-- 整改: rectification items of one unit's evaluation of a year, each versioned; the document
-- holds the problem, owner, deadline, status and the unit's evidence.
CREATE TABLE rectifications (
    id INTEGER PRIMARY KEY,
    department_id BIGINT NOT NULL REFERENCES departments (id),
    year INTEGER NOT NULL,
    version BIGINT NOT NULL,
    document TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX rectifications_year ON rectifications (year, department_id);
