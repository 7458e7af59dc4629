-- One row per change of what a year's comparison tables show: a report written or
-- re-projected, the year's settings, a unit's name, kind or parent. Rows are only added, so
-- writers of distinct units never wait on each other here; a year's generation is the id of
-- its latest row (or of the latest row that touches every year), and every server reading the
-- database sees it change at its next request.
CREATE TABLE table_changes (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- NULL for a change that touches every year.
    year INTEGER
);
CREATE INDEX table_changes_year ON table_changes (year, id);
