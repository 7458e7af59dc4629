-- Which unit a change is about (NULL: every unit, or not one unit), so that a year's table
-- computed before can be brought up to date by reading again only the units changed since.
ALTER TABLE table_changes ADD COLUMN department_code TEXT;
