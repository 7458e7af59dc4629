-- 指标库: a year's indicator library, kept as the CSV it is imported and exported as, with who
-- imported it and when. A year without a row uses the common library the service ships.
CREATE TABLE indicator_libraries (
    year INTEGER PRIMARY KEY,
    document TEXT NOT NULL,
    imported_by TEXT NOT NULL,
    imported_at TIMESTAMP NOT NULL
);
