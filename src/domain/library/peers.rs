//! 同类比较 — one library indicator across every unit and project of a year: each one's
//! target, actual, attainment and score, ranked by the actual in the indicator's direction,
//! with the median, the quartiles and the outliers of the actuals.

use std::cmp::Ordering;

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;
use utoipa::ToSchema;

use super::{Direction, Library, LibraryIndicator, MatchedBy};
use crate::domain::figures::Percent;
use crate::domain::report::{Comparison, Indicator};
use crate::domain::scoring::{IndicatorScore, Score};

/// Whose report a row is from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PeerKind {
    /// A unit's departmental self-evaluation.
    Unit,
    /// A project's self-evaluation table.
    Project,
}

/// Whose report: the unit, and the project where it is a project's.
#[derive(Debug, Clone)]
pub struct PeerSource {
    pub department_code: String,
    pub department_name: String,
    /// The unit's kind, by its name in the API.
    pub unit_kind: String,
    pub project_code: Option<String>,
}

/// One unit's (or project's) figures of the indicator.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Peer {
    pub kind: PeerKind,
    pub department_code: String,
    pub department_name: String,
    pub unit_kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_code: Option<String>,
    /// The indicator as the report names it, and how it was found: by the code it names, or
    /// by its name.
    pub indicator_id: String,
    pub indicator_name: String,
    pub matched_by: MatchedBy,
    /// The target scored against, as written, and how it compares.
    pub target: String,
    pub comparison: Option<Comparison>,
    pub actual: Option<String>,
    /// The figure read from the actual, which the rank and the spread are of.
    #[schema(value_type = Option<String>)]
    #[serde(serialize_with = "optional_decimal")]
    pub actual_value: Option<Decimal>,
    pub met: Option<bool>,
    /// 完成率 (%).
    pub attainment: Option<Percent>,
    pub weight: Option<String>,
    pub score: Option<Score>,
    /// 1 for the best actual in the indicator's direction (ties share a rank); none without
    /// an actual figure or on a qualitative indicator.
    pub rank: Option<usize>,
    /// The actual lies beyond 1.5 × the interquartile range from the quartiles.
    pub outlier: bool,
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

/// The spread of the actual figures: how many, median, quartiles (linear between ranks) and
/// the fences beyond which an actual is an outlier.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Spread {
    pub count: usize,
    #[schema(value_type = String)]
    #[serde(serialize_with = "decimal")]
    pub median: Decimal,
    #[schema(value_type = String)]
    #[serde(serialize_with = "decimal")]
    pub lower_quartile: Decimal,
    #[schema(value_type = String)]
    #[serde(serialize_with = "decimal")]
    pub upper_quartile: Decimal,
    #[schema(value_type = String)]
    #[serde(serialize_with = "decimal")]
    pub lower_fence: Decimal,
    #[schema(value_type = String)]
    #[serde(serialize_with = "decimal")]
    pub upper_fence: Decimal,
}

fn decimal<S: serde::Serializer>(value: &Decimal, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&value.normalize().to_string())
}

/// The quantile `q` (0–1) of sorted `values`, linear between the ranks around it.
fn quantile(sorted: &[Decimal], q: Decimal) -> Option<Decimal> {
    let last = sorted.len().checked_sub(1)?;
    let position = q * Decimal::from(last);
    let below = position.floor();
    let index = below.to_usize()?;
    let low = *sorted.get(index)?;
    let high = *sorted.get(index + 1).unwrap_or(&low);
    let value = low + (high - low) * (position - below);
    Some(value.round_dp_with_strategy(Percent::SCALE, RoundingStrategy::MidpointAwayFromZero))
}

impl Spread {
    /// The spread of `values`; none when there are none.
    pub fn of(values: impl IntoIterator<Item = Decimal>) -> Option<Self> {
        let mut sorted: Vec<Decimal> = values.into_iter().collect();
        sorted.sort();
        let quarter = Decimal::new(25, 2);
        let median = quantile(&sorted, Decimal::new(5, 1))?;
        let lower_quartile = quantile(&sorted, quarter)?;
        let upper_quartile = quantile(&sorted, Decimal::ONE - quarter)?;
        let reach = (upper_quartile - lower_quartile) * Decimal::new(15, 1);
        Some(Self {
            count: sorted.len(),
            median,
            lower_quartile,
            upper_quartile,
            lower_fence: lower_quartile - reach,
            upper_fence: upper_quartile + reach,
        })
    }

    fn excludes(&self, value: Decimal) -> bool {
        value < self.lower_fence || value > self.upper_fence
    }
}

/// One library indicator of one year, side by side.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct PeerTable {
    pub indicator: LibraryIndicator,
    pub peers: Vec<Peer>,
    /// The spread of the actual figures; none where no report gives one.
    pub spread: Option<Spread>,
}

impl Library {
    /// The rows of `indicator` (by its code) that one report gives: each of its indicators the
    /// library finds as that one, with its score.
    pub fn peers_in(
        &self,
        wanted: &LibraryIndicator,
        source: &PeerSource,
        kind: PeerKind,
        indicators: &[Indicator],
        scores: &[IndicatorScore],
    ) -> Vec<Peer> {
        indicators
            .iter()
            .zip(scores)
            .filter_map(|(indicator, scored)| {
                let found = self.find(indicator)?;
                (found.indicator.code == wanted.code).then(|| Peer {
                    kind,
                    department_code: source.department_code.clone(),
                    department_name: source.department_name.clone(),
                    unit_kind: source.unit_kind.clone(),
                    project_code: source.project_code.clone(),
                    indicator_id: scored.indicator_id.clone(),
                    indicator_name: scored.name.clone(),
                    matched_by: found.by,
                    target: scored.target.clone(),
                    comparison: scored.comparison,
                    actual_value: scored
                        .actual
                        .as_deref()
                        .and_then(|actual| indicator.actual_figure(actual, self))
                        .filter(|(_, unit)| same_unit(unit.as_deref(), wanted.unit.as_deref()))
                        .map(|(value, _)| value),
                    actual: scored.actual.clone(),
                    met: scored.met,
                    attainment: scored.attainment,
                    weight: scored.weight.map(|w| w.normalize().to_string()),
                    score: scored.score,
                    rank: None,
                    outlier: false,
                })
            })
            .collect()
    }
}

/// Whether an actual in `unit` compares with the library indicator's figures in `library`:
/// figures in different units are not set side by side; where either is unknown, they are.
fn same_unit(unit: Option<&str>, library: Option<&str>) -> bool {
    match (unit.map(str::trim), library.map(str::trim)) {
        (Some(unit), Some(library)) if !unit.is_empty() && !library.is_empty() => unit == library,
        _ => true,
    }
}

impl PeerTable {
    /// The table of `indicator` over `peers`: ranked best first in its direction, with the
    /// spread of the actuals and the outliers marked; the rows in rank order, the unranked
    /// last.
    pub fn of(indicator: LibraryIndicator, mut peers: Vec<Peer>) -> Self {
        let direction = indicator.direction;
        let spread = if direction == Direction::Qualitative {
            None
        } else {
            Spread::of(peers.iter().filter_map(|p| p.actual_value))
        };
        let better = |a: Decimal, b: Decimal| match direction {
            Direction::LowerIsBetter => a.cmp(&b),
            Direction::HigherIsBetter | Direction::WithinRange | Direction::Qualitative => {
                b.cmp(&a)
            }
        };
        peers.sort_by(|a, b| match (a.actual_value, b.actual_value) {
            (Some(x), Some(y)) => better(x, y),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        });
        let ranked = matches!(
            direction,
            Direction::HigherIsBetter | Direction::LowerIsBetter
        );
        let mut previous: Option<(Decimal, usize)> = None;
        for (position, peer) in peers.iter_mut().enumerate() {
            let Some(value) = peer.actual_value else {
                continue;
            };
            if ranked {
                let rank = match previous {
                    Some((before, rank)) if before == value => rank,
                    _ => position + 1,
                };
                peer.rank = Some(rank);
                previous = Some((value, rank));
            }
            peer.outlier = spread.as_ref().is_some_and(|s| s.excludes(value));
        }
        Self {
            indicator,
            peers,
            spread,
        }
    }
}
