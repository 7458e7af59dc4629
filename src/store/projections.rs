//! Projections: one metrics row per evaluation and one row per indicator, as the domain
//! computes them (`domain::projection`), rewritten in the same transaction as every change
//! that moves them, so that comparisons are plain indexed SQL that never parses a document.

use diesel::prelude::*;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::evaluations::EvaluationId;
use super::schema::{evaluation_metrics, indicator_metrics};
use super::{DbConnection, StoreError, Transaction, now};
use crate::domain::evaluation::Evaluation;
use crate::domain::figures::Percent;
use crate::domain::projection::Projection;
use crate::domain::report::Grade;

/// Amounts are kept in fen (万元 × 10⁶), rates in percent × 10⁴, scores in points × 100:
/// integers that hold the exact values the domain computes.
pub const AMOUNT_SCALE: u32 = 6;
pub const RATE_SCALE: u32 = 4;
pub const SCORE_SCALE: u32 = 2;

pub fn to_scaled(value: Decimal, scale: u32) -> Option<i64> {
    (value * Decimal::from(10_i64.pow(scale))).trunc().to_i64()
}

impl Transaction<'_> {
    /// Replaces the projection rows of the stored evaluation `id` with `projection`.
    pub fn write_projection(
        &mut self,
        id: EvaluationId,
        evaluation: &Evaluation,
        projection: &Projection,
    ) -> Result<(), StoreError> {
        let conn = &mut *self.conn;
        let evaluation_id = id.value();
        let code = evaluation.summary.department_code.as_str();
        let year = evaluation.summary.year.value();
        let figures = &projection.figures;
        let amount = |value: Option<Decimal>| value.and_then(|v| to_scaled(v, AMOUNT_SCALE));
        let rate = |value: Option<Percent>| value.and_then(|p| to_scaled(p.value(), RATE_SCALE));
        let score = |value: Option<Decimal>| value.and_then(|s| to_scaled(s, SCORE_SCALE));
        let count = |n: usize| i32::try_from(n).unwrap_or(i32::MAX);
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
                evaluation_metrics::department_code.eq(code),
                evaluation_metrics::year.eq(year),
                evaluation_metrics::status.eq(evaluation.summary.status.as_str()),
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
                evaluation_metrics::authorized_staff.eq(projection.authorized_staff.map(i64::from)),
                evaluation_metrics::staff_on_payroll.eq(projection.staff_on_payroll.map(i64::from)),
                evaluation_metrics::staffing_control_rate.eq(rate(figures.staffing_control_rate)),
                evaluation_metrics::score.eq(score(projection.score)),
                evaluation_metrics::grade.eq(projection.grade.map(Grade::as_str)),
                evaluation_metrics::indicators_total.eq(count(projection.indicators.len())),
                evaluation_metrics::indicators_met.eq(count(projection.indicators_met)),
                evaluation_metrics::findings_errors.eq(count(projection.findings_errors)),
                evaluation_metrics::findings_warnings.eq(count(projection.findings_warnings)),
                evaluation_metrics::problems_count.eq(count(projection.problems)),
                evaluation_metrics::updated_at.eq(now()),
            ))
            .execute(conn)
            .map_err(duplicate_is_contention)?;
        // On PostgreSQL one statement for every indicator: a round trip each would be most of a
        // write's time there. SQLite runs in this process, and diesel writes no multi-row
        // insert for it.
        let indicators: Vec<_> = projection
            .indicators
            .iter()
            .map(|indicator| {
                (
                    indicator_metrics::evaluation_id.eq(evaluation_id),
                    indicator_metrics::indicator_id.eq(&indicator.indicator_id),
                    indicator_metrics::department_code.eq(code),
                    indicator_metrics::year.eq(year),
                    indicator_metrics::name.eq(&indicator.name),
                    indicator_metrics::unit.eq(&indicator.unit),
                    indicator_metrics::level1.eq(&indicator.level1),
                    indicator_metrics::met.eq(indicator.met),
                    indicator_metrics::attainment.eq(rate(indicator.attainment)),
                    indicator_metrics::score.eq(score(indicator.score)),
                )
            })
            .collect();
        let inserted = match conn {
            _ if indicators.is_empty() => Ok(0),
            DbConnection::Postgres(pg) => diesel::insert_into(indicator_metrics::table)
                .values(&indicators)
                .execute(pg),
            DbConnection::Sqlite(sqlite) => indicators.into_iter().try_fold(0, |sum, row| {
                diesel::insert_into(indicator_metrics::table)
                    .values(row)
                    .execute(sqlite)
                    .map(|n| sum + n)
            }),
        };
        inserted.map_err(duplicate_is_contention)?;
        super::generations::bump(conn, Some(year), Some(code))?;
        Ok(())
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
