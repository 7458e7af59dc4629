//! 项目支出绩效自评 — a project's self-evaluation as an aggregate of its own, beside the
//! departmental one: one table per unit, year and project, in the same review cycle
//! (`domain::cycle`), its checks and score built on the departmental report's.

mod checks;
mod coverage;
mod overview;
mod table;

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use checks::{
    DepartmentalLine, ExecutionPart, FundingFigures, ProjectScore, ProjectScoring,
    departmental_line,
};
pub use coverage::{UncoveredLine, uncovered_lines};
pub use overview::*;
pub use table::*;

use super::checks::Finding;
use super::cycle::{Action, Precondition, Refusal, Stage};
use super::values::{FiscalYear, UnitCode};

/// 项目代码 — the code a unit gives a project: 1 to 64 ASCII letters, digits, `-`, `_` or `.`,
/// kept from year to year so that a project running several years has a history.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, example = "2022-ZF-017", pattern = r"^[0-9A-Za-z._-]{1,64}$")]
pub struct ProjectCode(String);

impl ProjectCode {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for ProjectCode {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let well_formed = (1..=64).contains(&text.len())
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
        if well_formed {
            Ok(Self(text.to_owned()))
        } else {
            Err(format!(
                "`{text}` is not a project code: 1 to 64 letters, digits, '-', '_' or '.'"
            ))
        }
    }
}

impl TryFrom<String> for ProjectCode {
    type Error = String;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl From<ProjectCode> for String {
    fn from(code: ProjectCode) -> Self {
        code.0
    }
}

impl fmt::Display for ProjectCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Which project evaluation: a unit's, of a year, of a project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectKey {
    pub department_code: UnitCode,
    pub year: FiscalYear,
    pub project_code: ProjectCode,
}

impl fmt::Display for ProjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the {} evaluation of project {} of department {}",
            self.year, self.project_code, self.department_code
        )
    }
}

/// 项目支出绩效自评 in the review cycle: one project's table of one year with its state and
/// version.
#[derive(Debug, Clone)]
pub struct ProjectEvaluation {
    pub key: ProjectKey,
    pub stage: Stage,
    pub table: ProjectTable,
}

impl ProjectEvaluation {
    /// An empty draft, before anything is stored.
    pub fn new_draft(key: ProjectKey, at: NaiveDateTime) -> Self {
        Self {
            key,
            stage: Stage::draft(at),
            table: ProjectTable::default(),
        }
    }

    /// Checks `If-Match` against this evaluation (or, for `None`, against nothing stored).
    pub fn check(precondition: Precondition, stored: Option<&Self>) -> Result<(), Refusal> {
        Stage::check(precondition, stored.map(|s| &s.stage))
    }

    /// Applies `edit` to the table: refused unless it is a draft or returned; the result must
    /// still be a table. `edit`'s own refusal is passed back as the inner error, and then
    /// nothing is changed.
    pub fn edit<T, E>(
        &mut self,
        edit: impl FnOnce(&mut ProjectTable) -> Result<T, E>,
    ) -> Result<Result<T, E>, Refusal> {
        self.stage.check_editable(|| self.key.to_string())?;
        let mut table = self.table.clone();
        let outcome = match edit(&mut table) {
            Ok(outcome) => outcome,
            Err(refusal) => return Ok(Err(refusal)),
        };
        let errors = table.structural_errors();
        if !errors.is_empty() {
            return Err(Refusal::Invalid(errors));
        }
        self.table = table;
        Ok(Ok(outcome))
    }

    /// Moves it on by `action`, by the same rules as every self-evaluation: a submission is
    /// refused while `findings` hold errors.
    pub fn act(&mut self, action: Action, findings: &[Finding]) -> Result<(), Refusal> {
        self.stage.act(action, findings)
    }
}

#[cfg(test)]
mod tests;
