DROP TABLE project_evaluation_revisions;
DROP TABLE project_evaluations;
