//! A year's units table, computed once: each unit's (or rolled-up group's) figures, rates and
//! ranks, the district's totals and the medians. Pages, sorts and exports read it; nothing in
//! it is recomputed per request.

use std::collections::HashMap;

use rust_decimal::Decimal;

use super::{Rates, Totals, TrendYear, UnitYear, median, ranks, roll_up, totals};
use crate::domain::figures::Percent;

/// The ranks of one row among the table's rows: 1 for the highest value (ties share a rank),
/// none for an undefined value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Ranks {
    pub execution: Option<usize>,
    pub adjustment: Option<usize>,
    pub three_public_change: Option<usize>,
    pub staffing_control: Option<usize>,
    pub score: Option<usize>,
    pub indicators_met_share: Option<usize>,
}

/// One row of the table: a unit (or a parent with its subordinates rolled up into it), its
/// rates and its ranks.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub unit: UnitYear,
    pub rates: Rates,
    pub ranks: Ranks,
}

/// The medians over the table's rows of the rows that have the figure.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Medians {
    pub execution_rate: Option<Decimal>,
    pub adjustment_rate: Option<Decimal>,
    pub three_public_change_rate: Option<Decimal>,
    pub staffing_control_rate: Option<Decimal>,
    pub indicators_met_share: Option<Decimal>,
    pub score: Option<Decimal>,
}

/// 单位比较表 — a year's rows in the order given (by unit code), the district's totals over
/// the units themselves (rolled up or not, the district is the same units) and the medians.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct YearTable {
    pub lines: Vec<Line>,
    pub district: Totals,
    pub medians: Medians,
}

impl YearTable {
    /// The table of `units`, each parent rolled up with its subordinates when `parents` (each
    /// department's parent) is given.
    pub fn build(units: Vec<UnitYear>, parents: Option<&HashMap<String, Option<String>>>) -> Self {
        let district = totals(&units.iter().collect::<Vec<_>>());
        let rated: Vec<(UnitYear, Rates)> = match parents {
            Some(parents) => roll_up(units, parents),
            None => units
                .into_iter()
                .map(|unit| {
                    let rates = unit.rates();
                    (unit, rates)
                })
                .collect(),
        };
        let rank_of = |pick: fn(&Rates) -> Option<Percent>| {
            ranks(
                &rated
                    .iter()
                    .map(|(_, r)| pick(r).map(Percent::value))
                    .collect::<Vec<_>>(),
            )
        };
        let median_of = |pick: fn(&Rates) -> Option<Percent>| {
            median(rated.iter().map(|(_, r)| pick(r).map(Percent::value)))
        };
        let execution = rank_of(|r| r.execution);
        let adjustment = rank_of(|r| r.adjustment);
        let three_public = rank_of(|r| r.three_public_change);
        let staffing = rank_of(|r| r.staffing_control);
        let met_share = rank_of(|r| r.indicators_met_share);
        let score = ranks(&rated.iter().map(|(u, _)| u.score).collect::<Vec<_>>());
        let medians = Medians {
            execution_rate: median_of(|r| r.execution),
            adjustment_rate: median_of(|r| r.adjustment),
            three_public_change_rate: median_of(|r| r.three_public_change),
            staffing_control_rate: median_of(|r| r.staffing_control),
            indicators_met_share: median_of(|r| r.indicators_met_share),
            score: median(rated.iter().map(|(u, _)| u.score)),
        };
        let lines = rated
            .into_iter()
            .enumerate()
            .map(|(i, (unit, rates))| Line {
                unit,
                rates,
                ranks: Ranks {
                    execution: execution[i],
                    adjustment: adjustment[i],
                    three_public_change: three_public[i],
                    staffing_control: staffing[i],
                    score: score[i],
                    indicators_met_share: met_share[i],
                },
            })
            .collect();
        Self {
            lines,
            district,
            medians,
        }
    }

    /// The district's row of a trend for this table's year: the sums over the units and the
    /// median score.
    pub fn district_year(&self, year: i32) -> TrendYear {
        TrendYear {
            year,
            totals: self.district.clone(),
            score: self.medians.score,
            grade: None,
        }
    }
}
