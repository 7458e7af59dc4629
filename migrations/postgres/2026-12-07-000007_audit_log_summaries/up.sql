-- Refused credentials from one address are summed over a window in one entry rather than a
-- row each: `occurrences` says how many requests an entry stands for (1 for every other).
ALTER TABLE audit_log ADD COLUMN occurrences INTEGER NOT NULL DEFAULT 1;
-- Retention prunes the oldest entries first; summing looks up an address's latest entry.
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_address ON audit_log (address, action, id);
