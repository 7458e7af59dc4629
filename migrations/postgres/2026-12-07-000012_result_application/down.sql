DROP TABLE rectifications;
DROP TABLE result_rules;
