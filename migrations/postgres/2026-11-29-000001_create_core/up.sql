-- Budget units, their yearly self-evaluations, and every stored version of those.
CREATE TABLE departments (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('administrative', 'civil_service_managed', 'public_institution', 'street_office', 'other')),
    funding_type TEXT CHECK (funding_type IN ('full_appropriation', 'partial_appropriation', 'self_funded')),
    parent_code TEXT REFERENCES departments (code),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX departments_parent_code ON departments (parent_code);
CREATE INDEX departments_kind ON departments (kind);

CREATE TABLE evaluations (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    department_id BIGINT NOT NULL REFERENCES departments (id),
    year INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'returned', 'accepted', 'published')),
    version BIGINT NOT NULL,
    document TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (department_id, year)
);
CREATE INDEX evaluations_year_status ON evaluations (year, status);

CREATE TABLE evaluation_revisions (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    evaluation_id BIGINT NOT NULL REFERENCES evaluations (id),
    version BIGINT NOT NULL,
    action TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'returned', 'accepted', 'published')),
    document TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (evaluation_id, version)
);
