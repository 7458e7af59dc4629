//! A year's units table, computed once: each unit's (or rolled-up group's) figures, rates and
//! ranks, the district's totals and the medians. Pages, sorts and exports read it; nothing in
//! it is recomputed per request.

use std::collections::{HashMap, HashSet};

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

impl Line {
    /// A row whose ranks are not known yet.
    fn unranked(unit: UnitYear, rates: Rates) -> Self {
        Self {
            unit,
            rates,
            ranks: Ranks::default(),
        }
    }
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
        let lines: Vec<Line> = match parents {
            Some(parents) => roll_up(units, parents)
                .into_iter()
                .map(|(unit, rates)| Line::unranked(unit, rates))
                .collect(),
            None => units
                .into_iter()
                .map(|unit| {
                    let rates = unit.rates();
                    Line::unranked(unit, rates)
                })
                .collect(),
        };
        Self::ranked(lines, district)
    }

    /// This table (not rolled up) with the rows of the units `changed` read again: each unit
    /// in `changed` replaces its row or joins the table, and a unit named in `read_again` that
    /// is not in `changed` leaves it (it no longer has a row, or no longer passes the filter).
    /// Rows stay in unit code order; ranks, totals and medians are computed anew, the rates of
    /// the rows kept are not.
    pub fn with_changes(&self, mut changed: Vec<UnitYear>, read_again: &HashSet<&str>) -> Self {
        changed.sort_by(|a, b| a.department_code.cmp(&b.department_code));
        let mut fresh = changed
            .into_iter()
            .map(|unit| {
                let rates = unit.rates();
                Line::unranked(unit, rates)
            })
            .peekable();
        let mut lines: Vec<Line> = Vec::with_capacity(self.lines.len() + fresh.len());
        for line in &self.lines {
            while let Some(next) = fresh.peek() {
                if next.unit.department_code >= line.unit.department_code {
                    break;
                }
                lines.extend(fresh.next());
            }
            if !read_again.contains(&*line.unit.department_code) {
                lines.push(Line::unranked(line.unit.clone(), line.rates));
            }
        }
        lines.extend(fresh);
        let district = totals(&lines.iter().map(|line| &line.unit).collect::<Vec<_>>());
        Self::ranked(lines, district)
    }

    /// The table of `lines`, their ranks given here, and the medians.
    fn ranked(mut lines: Vec<Line>, district: Totals) -> Self {
        let rank_of =
            |pick: fn(&Line) -> Option<Decimal>| ranks(&lines.iter().map(pick).collect::<Vec<_>>());
        let median_of = |pick: fn(&Line) -> Option<Decimal>| median(lines.iter().map(pick));
        let execution = rank_of(|l| l.rates.execution.map(Percent::value));
        let adjustment = rank_of(|l| l.rates.adjustment.map(Percent::value));
        let three_public = rank_of(|l| l.rates.three_public_change.map(Percent::value));
        let staffing = rank_of(|l| l.rates.staffing_control.map(Percent::value));
        let met_share = rank_of(|l| l.rates.indicators_met_share.map(Percent::value));
        let score = rank_of(|l| l.unit.score);
        let medians = Medians {
            execution_rate: median_of(|l| l.rates.execution.map(Percent::value)),
            adjustment_rate: median_of(|l| l.rates.adjustment.map(Percent::value)),
            three_public_change_rate: median_of(|l| {
                l.rates.three_public_change.map(Percent::value)
            }),
            staffing_control_rate: median_of(|l| l.rates.staffing_control.map(Percent::value)),
            indicators_met_share: median_of(|l| l.rates.indicators_met_share.map(Percent::value)),
            score: median_of(|l| l.unit.score),
        };
        for (i, line) in lines.iter_mut().enumerate() {
            line.ranks = Ranks {
                execution: execution[i],
                adjustment: adjustment[i],
                three_public_change: three_public[i],
                staffing_control: staffing[i],
                score: score[i],
                indicators_met_share: met_share[i],
            };
        }
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
