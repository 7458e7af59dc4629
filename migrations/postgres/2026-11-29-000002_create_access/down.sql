DROP TABLE service_tokens;
DROP TABLE users;
