//! The rules of the field, free of I/O: the report and its parts, money, identifiers and the
//! checks that a document is well formed. Nothing here knows about HTTP or SQL.

pub mod access;
pub mod checks;
pub mod comparison;
pub mod cycle;
pub mod department;
pub mod evaluation;
pub mod figures;
pub mod invalid;
pub mod library;
pub mod monitoring;
pub mod names;
pub mod project;
pub mod projection;
pub mod report;
pub mod result_application;
pub mod review_sample;
pub mod review_score;
pub mod scoring;
pub mod settings;
pub mod upload;
pub mod values;

pub use invalid::Invalid;

/// One thing wrong with the input, at a place in the JSON document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Where in the body the problem is, e.g. `goals.indicators[2].target`; empty for the body itself.
    pub path: String,
    /// What is wrong: a stable kind with its figures, put in words by the api layer.
    pub invalid: Invalid,
}

impl FieldError {
    pub fn new(path: impl Into<String>, invalid: Invalid) -> Self {
        Self {
            path: path.into(),
            invalid,
        }
    }
}
