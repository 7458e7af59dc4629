DROP TABLE monitoring_reports;
