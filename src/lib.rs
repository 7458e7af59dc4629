//! perfeval — collects, checks, scores, compares and publishes the annual departmental
//! expenditure performance self-evaluations (部门整体支出绩效自评) of a district's budget units.
//!
//! Layers point one way: `api → store → domain`.

pub mod api;
pub mod app;
pub mod config;
pub mod demo;
pub mod domain;
pub mod hex;
pub mod memory;
pub mod metrics;
pub mod startup;
pub mod store;
