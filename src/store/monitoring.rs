//! 绩效运行监控 as stored — one document per unit, year, period and subject (the departmental
//! budget, stored with an empty project code, or a project), versioned. Persistence only: what
//! a report must hold is decided by `domain::monitoring` and applied by `app::monitoring`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::evaluations::DepartmentId;
use super::schema::{departments, monitoring_reports};
use super::{StoreError, Transaction, UniqueRow, is_unique_violation};
use crate::domain::monitoring::{Monitoring, MonitoringKey, MonitoringReport, Period, Subject};
use crate::domain::project::ProjectCode;
use crate::domain::values::{FiscalYear, UnitCode};

/// The row id of a stored monitoring report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonitoringId(i64);

/// A monitoring report as read in a unit of work: its row id, the aggregate, and its document
/// as the text stored (to tell an unchanged document without writing it again).
#[derive(Debug, Clone)]
pub struct StoredMonitoring {
    pub id: MonitoringId,
    pub monitoring: Monitoring,
    pub document: String,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = monitoring_reports)]
struct MonitoringRow {
    id: i64,
    year: i32,
    period: String,
    project_code: String,
    version: i64,
    document: String,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

/// How the subject is stored: the departmental level as an empty project code.
fn subject_column(subject: &Subject) -> &str {
    subject.project_code().map_or("", ProjectCode::as_str)
}

fn decode(code: &UnitCode, row: MonitoringRow) -> Result<StoredMonitoring, StoreError> {
    let what = |field: &str| {
        format!(
            "monitoring {code}/{}/{}/{}: stored {field} is not valid",
            row.year, row.period, row.project_code
        )
    };
    let year = FiscalYear::try_from(i64::from(row.year))
        .map_err(|_| StoreError::internal(what("year")))?;
    let period: Period = row
        .period
        .parse()
        .map_err(|_| StoreError::internal(what("period")))?;
    let subject = if row.project_code.is_empty() {
        Subject::Department
    } else {
        Subject::Project(
            row.project_code
                .parse()
                .map_err(|_| StoreError::internal(what("project code")))?,
        )
    };
    let report: MonitoringReport =
        serde_json::from_str(&row.document).map_err(|e| StoreError::caused(what("document"), e))?;
    Ok(StoredMonitoring {
        id: MonitoringId(row.id),
        monitoring: Monitoring {
            key: MonitoringKey {
                department_code: code.clone(),
                year,
                period,
                subject,
            },
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
            report,
        },
        document: row.document,
    })
}

/// The document as stored: JSON text.
pub fn report_text(report: &MonitoringReport) -> Result<String, StoreError> {
    serde_json::to_string(report)
        .map_err(|e| StoreError::caused("monitoring report could not be written as JSON", e))
}

impl Transaction<'_> {
    /// The monitoring report, if one is stored.
    pub fn monitoring(
        &mut self,
        department: DepartmentId,
        key: &MonitoringKey,
    ) -> Result<Option<StoredMonitoring>, StoreError> {
        monitoring_reports::table
            .filter(monitoring_reports::department_id.eq(department.0))
            .filter(monitoring_reports::year.eq(key.year.value()))
            .filter(monitoring_reports::period.eq(key.period.to_string()))
            .filter(monitoring_reports::project_code.eq(subject_column(&key.subject)))
            .select(MonitoringRow::as_select())
            .unique_row(self.conn)?
            .map(|row| decode(&key.department_code, row))
            .transpose()
    }

    /// Every monitoring report of `year` and `period`, by unit code and project code (the
    /// departmental level first).
    pub fn monitoring_of_period(
        &mut self,
        year: FiscalYear,
        period: Period,
    ) -> Result<Vec<StoredMonitoring>, StoreError> {
        let rows: Vec<(String, MonitoringRow)> = monitoring_reports::table
            .inner_join(departments::table)
            .filter(monitoring_reports::year.eq(year.value()))
            .filter(monitoring_reports::period.eq(period.to_string()))
            .order((
                departments::code.asc(),
                monitoring_reports::project_code.asc(),
            ))
            .select((departments::code, MonitoringRow::as_select()))
            .load(self.conn)?;
        rows.into_iter()
            .map(|(code, row)| {
                let code = code.parse().map_err(|_| {
                    StoreError::internal(format!("stored unit code `{code}` is not valid"))
                })?;
                decode(&code, row)
            })
            .collect()
    }

    /// Stores `monitoring` at its version: as the first, or as the next over the one read
    /// (`previous`). `Contended` when another writer stored a version first; nothing is
    /// written then.
    pub fn save_monitoring(
        &mut self,
        department: DepartmentId,
        previous: Option<MonitoringId>,
        monitoring: &Monitoring,
        document: &str,
    ) -> Result<(), StoreError> {
        let key = &monitoring.key;
        match previous {
            Some(id) => {
                let updated = diesel::update(
                    monitoring_reports::table
                        .filter(monitoring_reports::id.eq(id.0))
                        .filter(monitoring_reports::version.eq(monitoring.version - 1)),
                )
                .set((
                    monitoring_reports::document.eq(document),
                    monitoring_reports::version.eq(monitoring.version),
                    monitoring_reports::updated_at.eq(monitoring.updated_at),
                ))
                .execute(self.conn)?;
                if updated == 0 {
                    return Err(StoreError::Contended);
                }
            }
            None => {
                let inserted = diesel::insert_into(monitoring_reports::table)
                    .values((
                        monitoring_reports::department_id.eq(department.0),
                        monitoring_reports::year.eq(key.year.value()),
                        monitoring_reports::period.eq(key.period.to_string()),
                        monitoring_reports::project_code.eq(subject_column(&key.subject)),
                        monitoring_reports::version.eq(monitoring.version),
                        monitoring_reports::document.eq(document),
                        monitoring_reports::created_at.eq(monitoring.created_at),
                        monitoring_reports::updated_at.eq(monitoring.updated_at),
                    ))
                    .execute(self.conn);
                match inserted {
                    Err(e) if is_unique_violation(&e) => return Err(StoreError::Contended),
                    other => other?,
                };
            }
        }
        Ok(())
    }
}
