DROP INDEX audit_log_address;
DROP INDEX audit_log_at;
ALTER TABLE audit_log DROP COLUMN occurrences;
