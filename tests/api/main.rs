//! Black-box tests over HTTP. Each test starts the service on port 0 with a database of its
//! own; set `TEST_DATABASE_URL=postgres://…` to run them all on PostgreSQL.

mod access;
mod approval_coverage;
mod audit_and_login;
mod audit_of_writes;
mod bad_input;
mod clerk;
mod cli;
mod comparisons;
mod concurrency;
mod contract;
mod departments;
mod evaluations;
mod faults;
mod field_errors;
mod first_hour;
mod form_round_trip;
mod forms;
mod helpers;
mod layers;
mod library;
mod metrics;
mod monitoring;
mod openapi;
mod project_forms;
mod projects;
mod publishing;
mod real_reports;
mod request_ids;
mod result_application;
mod review;
mod review_samples;
mod review_scores;
mod schema;
mod security;
mod seed;
mod table_rebuilds;
mod texts;
mod timeouts;
mod upload_bounds;
mod upload_types;

/// The workbooks of the reader's attack corpus, made as `tests/workbooks` makes them.
#[path = "../workbooks/make.rs"]
mod make;
