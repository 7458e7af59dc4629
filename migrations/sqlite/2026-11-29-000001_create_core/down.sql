DROP TABLE evaluation_revisions;
DROP TABLE evaluations;
DROP TABLE departments;
