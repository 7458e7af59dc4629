//! Projects side by side: one row per project with its money, execution, score and the
//! differences between what it states and what its figures give; the rows of a unit filtered
//! and sorted; and for the bureau, a year's projects rolled up by unit with their distribution
//! and each unit's departmental score beside its projects'. Written as CSV by the one writer.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::checks::{FundingFigures, ProjectScoring};
use super::{ProjectCode, ProjectEvaluation};
use crate::domain::checks::Severity;
use crate::domain::cycle::EvaluationStatus;
use crate::domain::figures::{Exact, Percent};
use crate::domain::names::named_enum;
use crate::domain::report::Grade;
use crate::domain::scoring::Score;
use crate::domain::values::{FiscalYear, UnitCode};

named_enum! {
    /// 执行率区间 — how much of its budget a project executed.
    pub enum ExecutionBand {
        /// Below 60 %.
        Below60 = "below_60",
        /// 60 % up to 90 %.
        From60To90 = "60_to_90",
        /// 90 % and above.
        From90 = "90_and_above",
        /// No rate can be computed.
        Unknown = "unknown",
    }
}

impl ExecutionBand {
    pub fn of(rate: Option<Percent>) -> Self {
        match rate.map(|r| r.value()) {
            None => Self::Unknown,
            Some(r) if r < Decimal::from(60) => Self::Below60,
            Some(r) if r < Decimal::from(90) => Self::From60To90,
            Some(_) => Self::From90,
        }
    }
}

/// One project in a list: what it is, where it stands, its money (万元), execution and score.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ProjectOverview {
    pub department_code: UnitCode,
    pub year: FiscalYear,
    pub project_code: ProjectCode,
    /// 项目名称
    pub name: Option<String>,
    pub status: EvaluationStatus,
    pub version: i64,
    /// The money in 万元.
    pub funding: FundingFigures,
    /// 执行率 (%), computed.
    pub execution_rate: Option<Percent>,
    pub execution_band: ExecutionBand,
    /// 总分 and grade by the rules.
    pub score: Option<Score>,
    pub grade: Option<Grade>,
    /// 总分 as the form states it, and stated minus computed.
    pub stated_total: Option<Exact>,
    pub stated_total_difference: Option<Score>,
    /// 执行率 as stated minus as computed (percentage points).
    pub stated_rate_difference: Option<Exact>,
    /// Execution 得分 as stated minus by the rule.
    pub stated_execution_score_difference: Option<Score>,
    /// How many findings are errors, and how many warnings.
    pub errors: usize,
    pub warnings: usize,
}

impl ProjectOverview {
    pub fn of(evaluation: &ProjectEvaluation, scoring: &ProjectScoring<'_>) -> Self {
        let table = &evaluation.table;
        let score = table.score(scoring);
        let findings = table.findings(scoring);
        let count = |severity| findings.iter().filter(|f| f.severity == severity).count();
        let execution = &score.execution;
        Self {
            department_code: evaluation.key.department_code.clone(),
            year: evaluation.key.year,
            project_code: evaluation.key.project_code.clone(),
            name: table.name.as_ref().map(|n| n.as_str().to_owned()),
            status: evaluation.stage.status,
            version: evaluation.stage.version,
            execution_rate: execution.rate,
            execution_band: ExecutionBand::of(execution.rate),
            score: score.total,
            grade: score.grade,
            stated_total: score.stated_total,
            stated_total_difference: score.stated_total_difference,
            stated_rate_difference: execution
                .stated_rate
                .zip(execution.rate)
                .map(|(stated, computed)| Exact(stated.0 - computed.value())),
            stated_execution_score_difference: execution
                .stated_score
                .zip(execution.score)
                .map(|(stated, computed)| Score::of(stated.0 - computed.value())),
            funding: score.funding,
            errors: count(Severity::Error),
            warnings: count(Severity::Warning),
        }
    }
}

/// Which projects a list shows.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProjectFilter {
    pub status: Option<EvaluationStatus>,
    pub grade: Option<Grade>,
    pub band: Option<ExecutionBand>,
}

named_enum! {
    /// What a list of projects is sorted by.
    pub enum ProjectSort {
        /// 项目代码 (the default).
        ProjectCode = "project_code",
        /// 项目名称
        Name = "name",
        /// 执行率; projects without one last.
        ExecutionRate = "execution_rate",
        /// 总分; projects without one last.
        Score = "score",
    }
}

/// Ascending or descending.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    #[default]
    Ascending,
    Descending,
}

/// The rows `filter` keeps, sorted by `sort` (ties by unit and project code). Borrowed, so
/// that a year's rows kept by the read model are sorted without being copied.
pub fn select<'a>(
    rows: impl IntoIterator<Item = &'a ProjectOverview>,
    filter: ProjectFilter,
    sort: ProjectSort,
    direction: Direction,
) -> Vec<&'a ProjectOverview> {
    let mut rows: Vec<&ProjectOverview> = rows
        .into_iter()
        .filter(|row| filter.status.is_none_or(|s| row.status == s))
        .filter(|row| filter.grade.is_none_or(|g| row.grade == Some(g)))
        .filter(|row| filter.band.is_none_or(|b| row.execution_band == b))
        .collect();
    rows.sort_by(|a, b| {
        let by = match sort {
            ProjectSort::ProjectCode => std::cmp::Ordering::Equal,
            ProjectSort::Name => a.name.cmp(&b.name),
            ProjectSort::ExecutionRate => a
                .execution_rate
                .map(|r| r.value())
                .cmp(&b.execution_rate.map(|r| r.value())),
            ProjectSort::Score => a.score.cmp(&b.score),
        };
        let by = if direction == Direction::Descending {
            by.reverse()
        } else {
            by
        };
        by.then_with(|| {
            (&a.department_code, &a.project_code).cmp(&(&b.department_code, &b.project_code))
        })
    });
    rows
}

/// How many projects have each grade (by the rules).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct GradeCounts {
    /// 优
    pub excellent: usize,
    /// 良
    pub good: usize,
    /// 中
    pub fair: usize,
    /// 差
    pub poor: usize,
    /// Not scored in full.
    pub ungraded: usize,
}

impl GradeCounts {
    fn count(&mut self, grade: Option<Grade>) {
        match grade {
            Some(Grade::Excellent) => self.excellent += 1,
            Some(Grade::Good) => self.good += 1,
            Some(Grade::Fair) => self.fair += 1,
            Some(Grade::Poor) => self.poor += 1,
            None => self.ungraded += 1,
        }
    }
}

/// How a set of projects is spread.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Distribution {
    pub projects: usize,
    /// Projects under 60 % executed.
    pub below_60_executed: usize,
    pub grades: GradeCounts,
}

impl Distribution {
    fn count(&mut self, row: &ProjectOverview) {
        self.projects += 1;
        if row.execution_band == ExecutionBand::Below60 {
            self.below_60_executed += 1;
        }
        self.grades.count(row.grade);
    }
}

/// One unit's projects rolled up, beside its departmental self-evaluation's score.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct UnitRollup {
    pub department_code: UnitCode,
    pub distribution: Distribution,
    /// Σ 全年预算数 and Σ 全年执行数 of the projects that state them (万元).
    pub full_year: Exact,
    pub executed: Exact,
    /// Σ executed ÷ Σ full-year budget (%), over the projects that state both.
    pub execution_rate: Option<Percent>,
    /// The mean of the projects' scores, over those scored.
    pub average_score: Option<Score>,
    /// The unit's departmental self-evaluation's score by the rules, where it has one.
    pub departmental_score: Option<Score>,
}

/// A year's projects of every unit the caller may see, compared.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ProjectComparison {
    pub year: FiscalYear,
    pub projects: Vec<ProjectOverview>,
    pub units: Vec<UnitRollup>,
    /// The roll-ups by 主管部门: each unit's projects under its parent, a unit without a
    /// parent under itself.
    pub parents: Vec<ParentRollup>,
    pub distribution: Distribution,
}

/// The projects of the units under one 主管部门 (a unit's parent; a unit without a parent is
/// its own), rolled up.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ParentRollup {
    pub parent_code: UnitCode,
    /// The units whose projects are counted here, by code.
    pub units: Vec<UnitCode>,
    pub distribution: Distribution,
    /// Σ 全年预算数 and Σ 全年执行数 of the projects that state them (万元).
    pub full_year: Exact,
    pub executed: Exact,
    /// Σ executed ÷ Σ full-year budget (%), over the projects that state both.
    pub execution_rate: Option<Percent>,
    /// The mean of the projects' scores, over those scored.
    pub average_score: Option<Score>,
}

/// What a roll-up counts of a group of projects.
struct Totals {
    distribution: Distribution,
    full_year: Exact,
    executed: Exact,
    execution_rate: Option<Percent>,
    average_score: Option<Score>,
}

impl Totals {
    fn of(projects: &[&ProjectOverview]) -> Self {
        let mut distribution = Distribution::default();
        let (mut full_year, mut executed) = (Decimal::ZERO, Decimal::ZERO);
        for row in projects {
            distribution.count(row);
            if let (Some(budget), Some(spent)) = (row.funding.full_year, row.funding.executed) {
                full_year += budget.0;
                executed += spent.0;
            }
        }
        let scores: Vec<Decimal> = projects
            .iter()
            .filter_map(|r| r.score.map(|s| s.value()))
            .collect();
        let average_score = (!scores.is_empty())
            .then(|| Score::of(scores.iter().sum::<Decimal>() / Decimal::from(scores.len())));
        Self {
            distribution,
            execution_rate: Percent::of(executed, full_year),
            full_year: Exact(full_year),
            executed: Exact(executed),
            average_score,
        }
    }
}

impl ProjectComparison {
    /// `rows` of `year` compared, with each unit's departmental score from `departmental` and
    /// each unit's parent from `parents` (a unit not in it has none); the roll-ups and the
    /// distribution count every row, the answer holds the `page` (rows skipped, rows taken).
    pub fn of(
        year: FiscalYear,
        rows: &[&ProjectOverview],
        page: (usize, usize),
        departmental: &BTreeMap<UnitCode, Option<Score>>,
        parents: &BTreeMap<UnitCode, UnitCode>,
    ) -> Self {
        let mut distribution = Distribution::default();
        let mut by_unit: BTreeMap<&UnitCode, Vec<&ProjectOverview>> = BTreeMap::new();
        let mut by_parent: BTreeMap<&UnitCode, Vec<&ProjectOverview>> = BTreeMap::new();
        for row in rows {
            distribution.count(row);
            let unit = &row.department_code;
            by_unit.entry(unit).or_default().push(row);
            let parent = parents.get(unit).unwrap_or(unit);
            by_parent.entry(parent).or_default().push(row);
        }
        let units = by_unit
            .into_iter()
            .map(|(code, projects)| {
                let totals = Totals::of(&projects);
                UnitRollup {
                    departmental_score: departmental.get(code).copied().flatten(),
                    department_code: code.clone(),
                    distribution: totals.distribution,
                    execution_rate: totals.execution_rate,
                    full_year: totals.full_year,
                    executed: totals.executed,
                    average_score: totals.average_score,
                }
            })
            .collect();
        let parent_rollups = by_parent
            .into_iter()
            .map(|(parent_code, projects)| {
                let totals = Totals::of(&projects);
                let mut members: Vec<UnitCode> =
                    projects.iter().map(|r| r.department_code.clone()).collect();
                members.sort();
                members.dedup();
                ParentRollup {
                    parent_code: parent_code.clone(),
                    units: members,
                    distribution: totals.distribution,
                    execution_rate: totals.execution_rate,
                    full_year: totals.full_year,
                    executed: totals.executed,
                    average_score: totals.average_score,
                }
            })
            .collect();
        let (skip, take) = page;
        Self {
            year,
            projects: rows
                .iter()
                .skip(skip)
                .take(take)
                .map(|row| (*row).clone())
                .collect(),
            units,
            parents: parent_rollups,
            distribution,
        }
    }
}
