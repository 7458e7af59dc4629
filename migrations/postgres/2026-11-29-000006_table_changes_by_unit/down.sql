ALTER TABLE table_changes DROP COLUMN department_code;
