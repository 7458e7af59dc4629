DROP TABLE indicator_metrics;
DROP TABLE evaluation_metrics;
DROP TABLE year_settings;
ALTER TABLE evaluations DROP COLUMN approved_goals;
ALTER TABLE evaluation_revisions DROP COLUMN comment;
ALTER TABLE evaluation_revisions DROP COLUMN actor;
