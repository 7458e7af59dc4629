//! Projections: one metrics row per evaluation and one row per indicator, computed by the
//! domain and rewritten in the same transaction as every change of a report, so that
//! comparisons are plain indexed SQL that never parses a document.

use diesel::prelude::*;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::departments::lock_all_departments;
use super::schema::{departments, evaluation_metrics, evaluations, indicator_metrics};
use super::years::load_settings;
use super::{DbConnection, Store, StoreError, now};
use crate::domain::checks::{ApprovedGoals, CheckContext, Finding, Severity};
use crate::domain::evaluation::EvaluationStatus;
use crate::domain::report::{EvaluationReport, Grade};
use crate::domain::values::{FiscalYear, UnitCode};

/// Amounts are kept in fen (万元 × 10⁶), rates in percent × 10⁴, scores in points × 100:
/// integers that hold the exact values the domain computes.
pub const AMOUNT_SCALE: u32 = 6;
pub const RATE_SCALE: u32 = 4;
pub const SCORE_SCALE: u32 = 2;

pub fn to_scaled(value: Decimal, scale: u32) -> Option<i64> {
    (value * Decimal::from(10_i64.pow(scale))).trunc().to_i64()
}

/// The same department's report of the year before, where there is one.
fn previous_report(
    conn: &mut DbConnection,
    department_id: i64,
    year: i32,
) -> Result<Option<EvaluationReport>, StoreError> {
    let document: Option<String> = evaluations::table
        .filter(evaluations::department_id.eq(department_id))
        .filter(evaluations::year.eq(year - 1))
        .select(evaluations::document)
        .first(conn)
        .optional()?;
    document
        .map(|d| serde_json::from_str(&d))
        .transpose()
        .map_err(|e| StoreError::Internal(format!("the {} report is not readable: {e}", year - 1)))
}

/// The findings of a stored evaluation, with the year's weights, its approved targets and the
/// previous year's report.
pub(super) fn findings_of(
    conn: &mut DbConnection,
    code: &UnitCode,
    year: FiscalYear,
    record: &super::evaluations::EvaluationRecord,
) -> Result<Vec<Finding>, StoreError> {
    let department = super::departments::department_id(conn, code)?;
    let settings = load_settings(conn, year.value())?;
    let previous = previous_report(conn, department, year.value())?;
    let context = CheckContext {
        weights: &settings.weights,
        approved: record.approved_goals.as_ref(),
        previous: previous.as_ref(),
    };
    Ok(record.report.findings(&context))
}

#[derive(Queryable)]
struct Source {
    department_id: i64,
    year: i32,
    status: String,
    document: String,
    approved_goals: Option<String>,
    department_code: String,
}

/// Rewrites the projections of one evaluation; answers its department id and year.
fn project(conn: &mut DbConnection, evaluation_id: i64) -> Result<(i64, i32), StoreError> {
    let source: Source = evaluations::table
        .inner_join(departments::table)
        .filter(evaluations::id.eq(evaluation_id))
        .select((
            evaluations::department_id,
            evaluations::year,
            evaluations::status,
            evaluations::document,
            evaluations::approved_goals,
            departments::code,
        ))
        .first(conn)?;
    let unreadable = |e: serde_json::Error| {
        StoreError::Internal(format!("evaluation {evaluation_id} is not readable: {e}"))
    };
    let report: EvaluationReport = serde_json::from_str(&source.document).map_err(unreadable)?;
    let approved: Option<ApprovedGoals> = source
        .approved_goals
        .as_deref()
        .map(serde_json::from_str)
        .transpose()
        .map_err(unreadable)?;
    let status = EvaluationStatus::parse(&source.status).ok_or_else(|| {
        StoreError::Internal(format!(
            "evaluation {evaluation_id}: stored status is not valid"
        ))
    })?;
    let settings = load_settings(conn, source.year)?;
    let previous = previous_report(conn, source.department_id, source.year)?;
    let context = CheckContext {
        weights: &settings.weights,
        approved: approved.as_ref(),
        previous: previous.as_ref(),
    };
    let findings = report.findings(&context);
    let scorecard = report.scorecard(&settings.weights, approved.as_ref());
    let figures = &scorecard.figures;
    let amount = |value: Option<Decimal>| value.and_then(|v| to_scaled(v, AMOUNT_SCALE));
    let rate = |value: Option<crate::domain::figures::Percent>| {
        value.and_then(|p| to_scaled(p.value(), RATE_SCALE))
    };
    let count = |n: usize| i32::try_from(n).unwrap_or(i32::MAX);
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    let staffing = &report.profile.staffing;

    diesel::delete(
        indicator_metrics::table.filter(indicator_metrics::evaluation_id.eq(evaluation_id)),
    )
    .execute(conn)?;
    diesel::delete(
        evaluation_metrics::table.filter(evaluation_metrics::evaluation_id.eq(evaluation_id)),
    )
    .execute(conn)?;
    diesel::insert_into(evaluation_metrics::table)
        .values((
            evaluation_metrics::evaluation_id.eq(evaluation_id),
            evaluation_metrics::department_code.eq(&source.department_code),
            evaluation_metrics::year.eq(source.year),
            evaluation_metrics::status.eq(status.as_str()),
            evaluation_metrics::basic_initial.eq(amount(figures.basic.initial)),
            evaluation_metrics::basic_adjusted.eq(amount(figures.basic.adjusted)),
            evaluation_metrics::basic_executed.eq(amount(figures.basic.executed)),
            evaluation_metrics::project_initial.eq(amount(figures.projects.initial)),
            evaluation_metrics::project_adjusted.eq(amount(figures.projects.adjusted)),
            evaluation_metrics::project_executed.eq(amount(figures.projects.executed)),
            evaluation_metrics::total_initial.eq(amount(figures.total.initial)),
            evaluation_metrics::total_adjusted.eq(amount(figures.total.adjusted)),
            evaluation_metrics::total_executed.eq(amount(figures.total.executed)),
            evaluation_metrics::execution_rate.eq(rate(figures.total.execution_rate)),
            evaluation_metrics::adjustment_rate.eq(rate(figures.total.adjustment_rate)),
            evaluation_metrics::three_public_budget.eq(amount(figures.three_public.budget)),
            evaluation_metrics::three_public_actual.eq(amount(figures.three_public.actual)),
            evaluation_metrics::three_public_prior_actual
                .eq(amount(figures.three_public.prior_year_actual)),
            evaluation_metrics::authorized_staff.eq(staffing.authorized_total.map(i64::from)),
            evaluation_metrics::staff_on_payroll.eq(staffing.on_payroll.map(i64::from)),
            evaluation_metrics::staffing_control_rate.eq(rate(figures.staffing_control_rate)),
            evaluation_metrics::score.eq(scorecard
                .total
                .and_then(|s| to_scaled(s.value(), SCORE_SCALE))),
            evaluation_metrics::grade.eq(scorecard.grade.map(Grade::as_str)),
            evaluation_metrics::indicators_total.eq(count(scorecard.indicators.len())),
            evaluation_metrics::indicators_met.eq(count(
                scorecard
                    .indicators
                    .iter()
                    .filter(|i| i.met == Some(true))
                    .count(),
            )),
            evaluation_metrics::findings_errors.eq(count(errors)),
            evaluation_metrics::findings_warnings.eq(count(findings.len() - errors)),
            evaluation_metrics::problems_count.eq(count(report.issues.problems.len())),
            evaluation_metrics::updated_at.eq(now()),
        ))
        .execute(conn)
        .map_err(duplicate_is_contention)?;
    for (indicator, scored) in report.goals.indicators.iter().zip(&scorecard.indicators) {
        diesel::insert_into(indicator_metrics::table)
            .values((
                indicator_metrics::evaluation_id.eq(evaluation_id),
                indicator_metrics::indicator_id.eq(indicator.id.as_str()),
                indicator_metrics::department_code.eq(&source.department_code),
                indicator_metrics::year.eq(source.year),
                indicator_metrics::name.eq(indicator.name.as_str()),
                indicator_metrics::unit.eq(indicator.unit.as_deref().unwrap_or_default()),
                indicator_metrics::level1.eq(serde_json::to_value(indicator.level1)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default()),
                indicator_metrics::met.eq(scored.met),
                indicator_metrics::attainment.eq(rate(scored.attainment)),
                indicator_metrics::score
                    .eq(scored.score.and_then(|s| to_scaled(s.value(), SCORE_SCALE))),
            ))
            .execute(conn)
            .map_err(duplicate_is_contention)?;
    }
    super::generations::bump(conn, Some(source.year))?;
    Ok((source.department_id, source.year))
}

/// Rewrites the projections of an evaluation and of the same department's next year, whose
/// checks read this one as the year before.
pub(super) fn project_with_followers(
    conn: &mut DbConnection,
    evaluation_id: i64,
) -> Result<(), StoreError> {
    let (department_id, year) = project(conn, evaluation_id)?;
    let follower: Option<i64> = evaluations::table
        .filter(evaluations::department_id.eq(department_id))
        .filter(evaluations::year.eq(year + 1))
        .select(evaluations::id)
        .first(conn)
        .optional()?;
    if let Some(follower) = follower {
        project(conn, follower)?;
    }
    Ok(())
}

/// Rewrites the projections of every evaluation of `year` (all years when `None`).
pub(super) fn project_year(
    conn: &mut DbConnection,
    year: Option<i32>,
) -> Result<usize, StoreError> {
    let mut query = evaluations::table.select(evaluations::id).into_boxed();
    if let Some(year) = year {
        query = query.filter(evaluations::year.eq(year));
    }
    let ids: Vec<i64> = query.order(evaluations::id.asc()).load(conn)?;
    for id in &ids {
        project(conn, *id)?;
    }
    Ok(ids.len())
}

impl Store {
    /// Rebuilds every projection from the stored documents; answers how many evaluations.
    pub fn reproject(&self) -> Result<usize, StoreError> {
        self.write_locked(|conn| {
            lock_all_departments(conn)?;
            project_year(conn, None)
        })
    }
}

/// Two writers projecting the same evaluation at once: the later one tries again.
fn duplicate_is_contention(error: diesel::result::Error) -> StoreError {
    if super::is_unique_violation(&error) {
        StoreError::Contended
    } else {
        error.into()
    }
}
