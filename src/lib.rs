//! perfeval — collects, checks, scores, compares and publishes the annual departmental
//! expenditure performance self-evaluations (部门整体支出绩效自评) of a district's budget units.
//!
//! Layers point one way: `api → app → store → domain`, each also using the domain. `api`
//! handles HTTP and calls one use case of `app` per request; `app` runs each use case as one
//! unit of work (authorize → load → decide → save, with its audit entry); `store` persists;
//! `domain` decides, with no I/O. `presentation` renders what the domain decided (documents,
//! workbooks, CSV, pages, charts) and reads the file formats people send; it uses the domain,
//! and the domain never names it. See docs/architecture.md.

pub mod api;
pub mod app;
pub mod config;
pub mod csv;
pub mod demo;
pub mod domain;
pub mod hex;
pub mod memory;
pub mod metrics;
pub mod presentation;
pub mod startup;
pub mod store;
