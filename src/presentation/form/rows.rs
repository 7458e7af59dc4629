//! One indicator row of the table, read against the draft's indicator of the same name and
//! its result. A cell showing what the writer would write for the draft keeps the draft's
//! own writing (`≥50个` stays one target with no stated comparison, a missing target stays
//! missing, `10.00` stays), so that a table posted back unchanged changes nothing; a cell
//! that cannot be read keeps the draft's value, so that a partial reading loses nothing.

use super::{CellFault, Reader, split_number, target_parts};
use crate::domain::report::{Indicator, IndicatorLevel1, IndicatorResult};
use crate::domain::values::Label;
use crate::presentation::{actual_cell, target_cell};

/// 年度指标值, 实际完成值, 分值, 得分, 偏差原因分析及改进措施: the columns of an indicator row.
const TARGET: u16 = 4;
const ACTUAL: u16 = 5;
const WEIGHT: u16 = 6;
const SCORE: u16 = 7;
const REASON: u16 = 8;

/// The cells of one indicator row.
pub(super) struct RowCells<'r, 'a> {
    pub(super) reader: &'r mut Reader<'a>,
    pub(super) row: u32,
}

/// What the name columns of a row say: the indicator's key, 一级, 二级 and 三级指标.
pub(super) struct Names {
    pub(super) id: Label,
    pub(super) level1: Option<IndicatorLevel1>,
    pub(super) level2: Option<Label>,
    pub(super) name: Label,
}

impl RowCells<'_, '_> {
    /// The indicator the row states; `None` where its target cannot be read and the draft
    /// has none to keep.
    pub(super) fn indicator(
        &mut self,
        names: Names,
        before: Option<&Indicator>,
    ) -> Option<Indicator> {
        let weight = self
            .reader
            .points(self.row, WEIGHT, before.and_then(|b| b.weight));
        let text = self.reader.text(self.row, TARGET);
        let shown = text.as_deref().unwrap_or_default();
        let (comparison, unit, target, adjusted_target) =
            match (before.filter(|b| target_cell(b) == shown), text) {
                (Some(before), _) => (
                    before.comparison,
                    before.unit.clone(),
                    before.target.clone(),
                    before.adjusted_target.clone(),
                ),
                (None, None) => (None, None, None, None),
                (None, Some(text)) => {
                    let (comparison, value, unit) = target_parts(&text);
                    let value = match Label::try_from(value) {
                        Ok(value) => value,
                        Err(_) => {
                            let fault = if text.chars().count() > 1 {
                                CellFault::TextUnstorable
                            } else {
                                CellFault::TargetWithoutValue
                            };
                            self.reader.unreadable(self.row, TARGET, fault);
                            return before.cloned();
                        }
                    };
                    // The cell shows the target scored against: the adjusted one where the
                    // draft has one, and a change to it changes that one.
                    match before.filter(|b| b.adjusted_target.is_some()) {
                        Some(before) => {
                            (Some(comparison), unit, before.target.clone(), Some(value))
                        }
                        None => (Some(comparison), unit, Some(value), None),
                    }
                }
            };
        Some(Indicator {
            id: names.id,
            level1: names.level1,
            level2: names.level2,
            name: names.name,
            unit,
            comparison,
            target,
            adjusted_target,
            adjustment_reason: before.and_then(|b| b.adjustment_reason.clone()),
            weight,
            core: before.and_then(|b| b.core),
            library_code: before.and_then(|b| b.library_code.clone()),
            metric: before.and_then(|b| b.metric),
            scoring_standard: before.and_then(|b| b.scoring_standard.clone()),
            scoring_rule: before.and_then(|b| b.scoring_rule),
        })
    }

    /// The indicator's result as the row states it; `None` where the row states none.
    /// What the form does not show (a stated coefficient or attainment) is kept while the
    /// actual and the score are as the draft has them; 达成 and why there is no actual are
    /// kept as they are.
    pub(super) fn result(
        &mut self,
        indicator: &Indicator,
        indicator_before: Option<&Indicator>,
        before: Option<&IndicatorResult>,
    ) -> Option<IndicatorResult> {
        let self_score = self
            .reader
            .points(self.row, SCORE, before.and_then(|r| r.self_score));
        let deviation_reason = self.reader.text(self.row, REASON);
        let actual_before = before.and_then(|r| r.actual.clone());
        let shown = match (indicator_before, before) {
            (Some(indicator), Some(result)) => actual_cell(indicator, result),
            _ => String::new(),
        };
        let actual = match self.reader.text(self.row, ACTUAL) {
            text if text.as_deref().unwrap_or_default() == shown => actual_before.clone(),
            None => None,
            Some(text) => {
                let text = if indicator.is_quantitative() {
                    split_number(&text).0
                } else {
                    text
                };
                match Label::try_from(text) {
                    Ok(actual) => Some(actual),
                    Err(_) => {
                        self.reader
                            .unreadable(self.row, ACTUAL, CellFault::TextUnstorable);
                        actual_before.clone()
                    }
                }
            }
        };
        let unchanged = actual == actual_before && self_score == before.and_then(|r| r.self_score);
        if actual.is_none() && self_score.is_some() && !unchanged {
            self.reader
                .unreadable(self.row, ACTUAL, CellFault::ActualMissing);
            return before.cloned();
        }
        let stated = before.filter(|_| unchanged);
        let result = IndicatorResult {
            indicator_id: indicator.id.clone(),
            no_actual_reason: before
                .filter(|_| actual.is_none())
                .and_then(|r| r.no_actual_reason.clone()),
            actual,
            self_score,
            stated_coefficient: stated.and_then(|r| r.stated_coefficient),
            stated_attainment: stated.and_then(|r| r.stated_attainment),
            deviation_reason,
            achievement: before.and_then(|r| r.achievement),
        };
        let nothing = IndicatorResult {
            indicator_id: indicator.id.clone(),
            actual: None,
            no_actual_reason: None,
            self_score: None,
            stated_coefficient: None,
            stated_attainment: None,
            deviation_reason: None,
            achievement: None,
        };
        (result != nothing).then_some(result)
    }
}
