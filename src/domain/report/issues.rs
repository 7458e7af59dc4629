//! 四、存在的主要问题及下一步改进措施 — problems, the measures that answer them, and the
//! edits of one item at a time.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::values::Label;
use crate::domain::{FieldError, Invalid};

/// 存在的主要问题及下一步改进措施
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ProblemsAndMeasures {
    /// The introduction to the part, as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// 存在的主要问题
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<Problem>,
    /// 改进措施和建议
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub measures: Vec<Measure>,
}

/// 问题 — one problem the unit names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Problem {
    /// Unique among the problems and measures of the report; at least 1.
    #[schema(minimum = 1, maximum = 4294967295.0)]
    pub id: u32,
    pub text: Label,
}

/// 改进措施 — one measure, tied to the problems it answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Measure {
    /// Unique among the problems and measures of the report; at least 1.
    #[schema(minimum = 1, maximum = 4294967295.0)]
    pub id: u32,
    /// The measure's heading, e.g. 科学编制预算.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub text: Label,
    /// The `id`s of the problems this measure answers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<u32>,
}

impl ProblemsAndMeasures {
    /// The id that `POST …/issues` gives the next problem or measure.
    pub fn next_id(&self) -> u32 {
        self.problems
            .iter()
            .map(|p| p.id)
            .chain(self.measures.iter().map(|m| m.id))
            .max()
            .unwrap_or(0)
            .saturating_add(1)
    }

    pub(super) fn structural_errors(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let mut seen = HashSet::new();
        let ids = self
            .problems
            .iter()
            .enumerate()
            .map(|(i, p)| (format!("issues.problems[{i}].id"), p.id))
            .chain(
                self.measures
                    .iter()
                    .enumerate()
                    .map(|(i, m)| (format!("issues.measures[{i}].id"), m.id)),
            );
        for (path, id) in ids {
            if id == 0 {
                errors.push(FieldError::new(
                    path,
                    Invalid::OutOfRange {
                        value: Some(id.to_string()),
                        min: Some("1".to_owned()),
                        max: None,
                    },
                ));
            } else if !seen.insert(id) {
                errors.push(FieldError::new(
                    path,
                    Invalid::Duplicate {
                        value: id.to_string(),
                    },
                ));
            }
        }
        for (i, measure) in self.measures.iter().enumerate() {
            for (j, problem_id) in measure.addresses.iter().enumerate() {
                if !self.problems.iter().any(|p| p.id == *problem_id) {
                    errors.push(FieldError::new(
                        format!("issues.measures[{i}].addresses[{j}]"),
                        Invalid::UnknownReference {
                            value: problem_id.to_string(),
                        },
                    ));
                }
            }
        }
        errors
    }
}

/// A new problem or measure, as `POST …/issues` takes it; the service gives it its id.
#[derive(Debug, Clone, PartialEq, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum NewIssueItem {
    /// 问题
    Problem { text: Label },
    /// 改进措施
    Measure {
        #[serde(default)]
        title: Option<String>,
        text: Label,
        /// The `id`s of the problems this measure answers.
        #[serde(default)]
        addresses: Vec<u32>,
    },
}

/// A problem or a measure, with its id.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum IssueItem {
    Problem(Problem),
    Measure(Measure),
}

/// Changes to one problem or measure; fields left out stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueItemPatch {
    #[serde(default)]
    pub text: Option<Label>,
    /// A measure's heading; `null` removes it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub title: Option<Option<String>>,
    /// A measure's problems; replaces the list.
    #[serde(default)]
    pub addresses: Option<Vec<u32>>,
}

/// Tells a field sent as `null` (`Some(None)`) from a field left out (`None`).
pub fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// Why an edit of one problem or measure could not be made.
#[derive(Debug, Clone, PartialEq)]
pub enum IssueEditError {
    NoSuchItem(u32),
    /// A problem that these measures still answer.
    Addressed {
        problem: u32,
        measures: Vec<u32>,
    },
    Invalid(FieldError),
}

impl ProblemsAndMeasures {
    /// Adds a problem or a measure with the next free id and answers it.
    pub fn add(&mut self, item: NewIssueItem) -> IssueItem {
        let id = self.next_id();
        match item {
            NewIssueItem::Problem { text } => {
                let problem = Problem { id, text };
                self.problems.push(problem.clone());
                IssueItem::Problem(problem)
            }
            NewIssueItem::Measure {
                title,
                text,
                addresses,
            } => {
                let measure = Measure {
                    id,
                    title,
                    text,
                    addresses,
                };
                self.measures.push(measure.clone());
                IssueItem::Measure(measure)
            }
        }
    }

    pub fn get(&self, id: u32) -> Option<IssueItem> {
        let problem = self
            .problems
            .iter()
            .find(|p| p.id == id)
            .cloned()
            .map(IssueItem::Problem);
        problem.or_else(|| {
            self.measures
                .iter()
                .find(|m| m.id == id)
                .cloned()
                .map(IssueItem::Measure)
        })
    }

    /// Changes one problem or measure and answers it as it now is.
    pub fn patch(&mut self, id: u32, patch: IssueItemPatch) -> Result<IssueItem, IssueEditError> {
        if let Some(problem) = self.problems.iter_mut().find(|p| p.id == id) {
            let not_for_problems = if patch.title.is_some() {
                Some("title")
            } else if patch.addresses.is_some() {
                Some("addresses")
            } else {
                None
            };
            if let Some(field) = not_for_problems {
                return Err(IssueEditError::Invalid(FieldError::new(
                    field,
                    Invalid::NotAllowed,
                )));
            }
            if let Some(text) = patch.text {
                problem.text = text;
            }
            return Ok(IssueItem::Problem(problem.clone()));
        }
        let measure = self
            .measures
            .iter_mut()
            .find(|m| m.id == id)
            .ok_or(IssueEditError::NoSuchItem(id))?;
        if let Some(text) = patch.text {
            measure.text = text;
        }
        if let Some(title) = patch.title {
            measure.title = title;
        }
        if let Some(addresses) = patch.addresses {
            measure.addresses = addresses;
        }
        Ok(IssueItem::Measure(measure.clone()))
    }

    /// Removes one problem or measure; a problem that measures still answer stays until they let go of it.
    pub fn remove(&mut self, id: u32) -> Result<(), IssueEditError> {
        if let Some(at) = self.problems.iter().position(|p| p.id == id) {
            let measures: Vec<u32> = self
                .measures
                .iter()
                .filter(|m| m.addresses.contains(&id))
                .map(|m| m.id)
                .collect();
            if !measures.is_empty() {
                return Err(IssueEditError::Addressed {
                    problem: id,
                    measures,
                });
            }
            self.problems.remove(at);
            return Ok(());
        }
        let at = self
            .measures
            .iter()
            .position(|m| m.id == id)
            .ok_or(IssueEditError::NoSuchItem(id))?;
        self.measures.remove(at);
        Ok(())
    }
}
