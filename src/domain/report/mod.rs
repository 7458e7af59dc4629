//! 部门整体支出绩效自评报告 — one unit's self-evaluation for one year, as the unit states it.
//!
//! The document is stored as it is posted, figures that do not add up included: the
//! consistency checks point at those. What is refused here is only what cannot be a report at
//! all: unknown fields, wrong types, negative or over-precise money, references to things
//! that are not there, texts that cannot be stored (U+0000) or are longer than the
//! spreadsheet cell (32,767 characters) the self-evaluation table would carry them in.
//!
//! Each part of the outline has a module of its own; their types are re-exported here, so a
//! part is named `report::Budget` wherever it is used.

mod budget;
mod goals;
mod issues;
mod profile;
mod publication;
mod results;
mod target;
#[cfg(test)]
mod tests;

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::values::{Label, text_faults};
use super::{FieldError, Invalid};

pub use budget::*;
pub use goals::*;
pub use issues::*;
pub use profile::*;
pub use publication::*;
pub use results::*;
pub use target::{Reading, read, read_actual, read_figure};

/// Parts left empty are left out of the document, so that it reads back as it was posted.
pub(crate) fn is_empty<T: Default + PartialEq>(part: &T) -> bool {
    *part == T::default()
}

/// The whole self-evaluation. Every part may be left out of a draft and filled in later.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct EvaluationReport {
    /// 报告标题 — the report's title as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Date, basis documents, method, evaluation body and publisher.
    #[serde(skip_serializing_if = "is_empty")]
    pub metadata: ReportMetadata,
    /// 一、部门、单位基本情况
    #[serde(skip_serializing_if = "is_empty")]
    pub profile: Profile,
    /// 二、一般公共预算支出情况
    #[serde(skip_serializing_if = "is_empty")]
    pub budget: Budget,
    /// 三（一）绩效目标设置 — goals and indicators with their targets.
    #[serde(skip_serializing_if = "is_empty")]
    pub goals: Goals,
    /// 三（二）绩效目标完成情况 — actual values and achievements.
    #[serde(skip_serializing_if = "is_empty")]
    pub results: Results,
    /// 四、存在的主要问题及下一步改进措施
    #[serde(skip_serializing_if = "is_empty")]
    pub issues: ProblemsAndMeasures,
    /// 五、绩效自评结果拟应用和公开情况
    #[serde(skip_serializing_if = "is_empty")]
    pub publication: Publication,
    /// 六、其他需要说明的情况
    #[serde(skip_serializing_if = "Option::is_none")]
    pub other_matters: Option<String>,
    /// The narrative as an ordered list of headed sections, for text that has no structured
    /// place (and for outlines other than the six-part one).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sections: Vec<Section>,
}

impl EvaluationReport {
    /// The indicator (绩效指标) whose id is `id`, if the goals have one.
    pub fn indicator(&self, id: &Label) -> Option<&Indicator> {
        self.goals
            .indicators
            .iter()
            .find(|indicator| indicator.id == *id)
    }

    /// What makes the document not a report: broken references and values of the wrong kind.
    /// Paths are from the root of the report. Figures that do not add up are not refused here.
    pub fn structural_errors(&self) -> Vec<FieldError> {
        let mut errors = self.goals.structural_errors();
        errors.extend(self.results_errors());
        errors.extend(self.issues.structural_errors());
        errors.extend(self.text_errors());
        errors
    }

    /// Texts that cannot be stored (U+0000) or that the self-evaluation table could not carry
    /// (longer than a spreadsheet cell), whichever way they came in: read from the document as
    /// it is stored, so that no text field, of this or any later part, is left out.
    fn text_errors(&self) -> Vec<FieldError> {
        match serde_json::to_value(self) {
            Ok(document) => text_faults(&document),
            // A report is always JSON; were it not, storing it would say so.
            Err(_) => Vec::new(),
        }
    }

    fn results_errors(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let mut seen = HashSet::new();
        for (i, result) in self.results.indicators.iter().enumerate() {
            let path = format!("results.indicators[{i}]");
            let id = result.indicator_id.as_str();
            if !self
                .goals
                .indicators
                .iter()
                .any(|ind| ind.id.as_str() == id)
            {
                errors.push(FieldError::new(
                    format!("{path}.indicator_id"),
                    Invalid::UnknownReference {
                        value: id.to_string(),
                    },
                ));
                continue;
            }
            if !seen.insert(id) {
                errors.push(FieldError::new(
                    format!("{path}.indicator_id"),
                    Invalid::Duplicate {
                        value: id.to_string(),
                    },
                ));
            }
        }
        errors
    }
}
