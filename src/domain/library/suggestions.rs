//! 目标建议 — when a unit sets its targets, the library indicators that apply to it (its unit
//! kind; for a project, the project's kind), each with the unit's own actual of the year
//! before and the median of like units' (the same unit kind) for the same indicator — so
//! that targets are neither copied blindly nor set to be met easily. A median never gives
//! away another unit's figure: it is of the other like units only, and is given only when at
//! least [`MIN_UNITS_FOR_MEDIAN`] of them state a figure.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Serialize;
use utoipa::ToSchema;

use super::{Direction, Library, LibraryIndicator, ReportKind, normalise};
use crate::domain::department::UnitKind;
use crate::domain::report::{EvaluationReport, Indicator, read_figure};

/// The fewest other like units that must state a figure for their median to be given: below
/// it, a median could be one unit's figure, or reveal it with the asking unit's own.
pub const MIN_UNITS_FOR_MEDIAN: usize = 5;

/// What targets are being set for: the departmental report, or a project of a kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetsFor {
    Departmental,
    /// A project; its kind as the library names project kinds (none: every kind).
    Project {
        kind: Option<String>,
    },
}

impl TargetsFor {
    fn report_kind(&self) -> ReportKind {
        match self {
            Self::Departmental => ReportKind::Departmental,
            Self::Project { .. } => ReportKind::Project,
        }
    }

    /// The project's kind, where one is known, normalised as names are: two kinds are the
    /// same when these are.
    pub fn project_kind(&self) -> Option<String> {
        match self {
            Self::Project { kind: Some(kind) } => Some(normalise(kind)),
            _ => None,
        }
    }
}

/// One indicator a report of the year before states: as written, and the figure read.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct LastYear {
    /// The indicator's name as the report wrote it.
    pub name: String,
    /// The target it was scored against, as written.
    pub target: String,
    /// 实际完成值 as written.
    pub actual: String,
    /// The figure read from the actual, where there is one.
    #[schema(value_type = Option<String>)]
    #[serde(serialize_with = "optional_decimal")]
    pub actual_value: Option<Decimal>,
}

/// The other like units' actuals of the year before.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct LikeUnits {
    /// How many other units of the same kind state a figure of the indicator.
    pub count: usize,
    /// Their median, given only when `count` is at least [`MIN_UNITS_FOR_MEDIAN`].
    #[schema(value_type = Option<String>)]
    #[serde(serialize_with = "optional_decimal")]
    pub median: Option<Decimal>,
}

/// One library indicator suggested for the targets.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Suggestion {
    pub indicator: LibraryIndicator,
    /// The unit's own figure of the year before, where its report states the indicator.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_year: Option<LastYear>,
    /// The like units' figures of the year before; none for a qualitative indicator.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub like_units: Option<LikeUnits>,
}

/// The suggestions for a unit setting its targets.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Suggestions {
    /// The fewest other like units whose figures make a median.
    pub min_units_for_median: usize,
    pub suggestions: Vec<Suggestion>,
}

fn optional_decimal<S: serde::Serializer>(
    value: &Option<Decimal>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(value) => serializer.serialize_some(&value.normalize().to_string()),
        None => serializer.serialize_none(),
    }
}

/// The indicator of `reports` (one unit's of the year before) that is `wanted` in `library`,
/// with its result, as written.
fn stated(
    library: &Library,
    wanted: &LibraryIndicator,
    report: &EvaluationReport,
) -> Option<LastYear> {
    report
        .goals
        .indicators
        .iter()
        .filter(|indicator| is(library, wanted, indicator))
        .find_map(|indicator| {
            let result = report
                .results
                .indicators
                .iter()
                .find(|r| r.indicator_id == indicator.id)?;
            let actual = result.actual.as_ref()?.as_str();
            Some(LastYear {
                name: indicator.name.as_str().to_owned(),
                target: indicator.target_text().to_owned(),
                actual: actual.to_owned(),
                actual_value: read_figure(actual).map(|(_, value, _)| value),
            })
        })
}

/// Whether `indicator` is `wanted`: the library finds it so, by its code or its name.
fn is(library: &Library, wanted: &LibraryIndicator, indicator: &Indicator) -> bool {
    library
        .find(indicator)
        .is_some_and(|found| found.indicator.code == wanted.code)
}

/// The median of `values`, which are sorted here.
fn median(mut values: Vec<Decimal>) -> Option<Decimal> {
    values.sort();
    let middle = values.len() / 2;
    match values.len() {
        0 => None,
        n if n % 2 == 1 => values.get(middle).copied(),
        _ => Some((values[middle - 1] + values[middle]) / Decimal::TWO),
    }
}

impl Library {
    /// The indicators suggested for a unit of `kind` setting the targets of `of`, each with
    /// `own`'s figure of the year before (its reports then: the departmental one, or the
    /// project's table) and the median of the figures of `others` — the other units of the
    /// same kind, each with its reports of the year before — where enough state one. A unit
    /// with several reports stating the indicator (projects) counts once, by their median.
    pub fn suggest(
        &self,
        kind: UnitKind,
        of: &TargetsFor,
        own: &[&EvaluationReport],
        others: &BTreeMap<String, Vec<&EvaluationReport>>,
    ) -> Suggestions {
        let report_kind = of.report_kind();
        let project_kind = of.project_kind();
        let suggestions = self
            .indicators()
            .iter()
            .filter(|i| i.report_kinds.contains(&report_kind) && i.applies_to(kind))
            .filter(|i| {
                i.project_kinds.is_empty()
                    || project_kind.as_ref().is_none_or(|wanted| {
                        i.project_kinds.iter().any(|k| normalise(k) == *wanted)
                    })
            })
            .map(|wanted| {
                let last_year = own.iter().find_map(|report| stated(self, wanted, report));
                let like_units = (wanted.direction != Direction::Qualitative).then(|| {
                    let figures: Vec<Decimal> = others
                        .values()
                        .filter_map(|reports| {
                            median(
                                reports
                                    .iter()
                                    .filter_map(|r| stated(self, wanted, r)?.actual_value)
                                    .collect(),
                            )
                        })
                        .collect();
                    let count = figures.len();
                    LikeUnits {
                        count,
                        median: (count >= MIN_UNITS_FOR_MEDIAN)
                            .then(|| median(figures))
                            .flatten(),
                    }
                });
                Suggestion {
                    indicator: wanted.clone(),
                    last_year,
                    like_units,
                }
            })
            .collect();
        Suggestions {
            min_units_for_median: MIN_UNITS_FOR_MEDIAN,
            suggestions,
        }
    }
}
