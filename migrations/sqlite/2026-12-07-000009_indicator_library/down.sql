DROP TABLE indicator_libraries;
