//! 部门 — budget units.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::audit::{Recording, recorded};
use super::schema::{departments, evaluations, service_tokens, users};
use super::{
    DbConnection, Page, Store, StoreError, Transaction, UniqueRow, Window, is_unique_violation, now,
};
use crate::domain::department::{Department, DepartmentPatch, FundingType, UnitKind};
use crate::domain::values::UnitCode;
use crate::domain::{FieldError, Invalid};

/// A department as stored, with when it was created and last changed (UTC).
#[derive(Debug, Clone)]
pub struct DepartmentRecord {
    pub department: Department,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Which departments a list shows.
#[derive(Debug, Clone, Default)]
pub struct DepartmentFilter {
    pub parent_code: Option<UnitCode>,
    pub kind: Option<UnitKind>,
    /// Only departments within this one's subtree (itself and its subordinate units).
    pub within: Option<UnitCode>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = departments)]
struct DepartmentRow {
    code: String,
    name: String,
    kind: String,
    funding_type: Option<String>,
    parent_code: Option<String>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl TryFrom<DepartmentRow> for DepartmentRecord {
    type Error = StoreError;

    fn try_from(row: DepartmentRow) -> Result<Self, StoreError> {
        let corrupt = |what: &str, value: &str| {
            StoreError::internal(format!(
                "department {}: stored {what} `{value}` is not valid",
                row.code
            ))
        };
        let kind = UnitKind::parse(&row.kind).ok_or_else(|| corrupt("kind", &row.kind))?;
        let funding_type = row
            .funding_type
            .as_deref()
            .map(|f| FundingType::parse(f).ok_or_else(|| corrupt("funding type", f)))
            .transpose()?;
        let parent_code = row
            .parent_code
            .as_deref()
            .map(|p| p.parse().map_err(|_| corrupt("parent code", p)))
            .transpose()?;
        let department = Department {
            code: row.code.parse().map_err(|_| corrupt("code", &row.code))?,
            name: row
                .name
                .clone()
                .try_into()
                .map_err(|_| corrupt("name", &row.name))?,
            kind,
            funding_type,
            parent_code,
        };
        Ok(Self {
            department,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

pub(super) fn department_id(conn: &mut DbConnection, code: &UnitCode) -> Result<i64, StoreError> {
    departments::table
        .filter(departments::code.eq(code.as_str()))
        .select(departments::id)
        .unique_row(conn)?
        .ok_or_else(|| StoreError::NotFound(format!("department {code}")))
}

/// Takes the department's row lock for the rest of the write transaction (PostgreSQL; a
/// SQLite write transaction holds the whole file) and answers the department's id. Every
/// write of the unit's reports takes it first: a write reads and rewrites the projections of
/// the report and of the unit's next year, so writers of one unit take turns, and writers of
/// distinct units never meet.
pub(super) fn lock_department(conn: &mut DbConnection, code: &UnitCode) -> Result<i64, StoreError> {
    match conn {
        DbConnection::Postgres(pg) => {
            // FOR NO KEY UPDATE leaves alone the inserts that only reference the row.
            diesel::sql_query("SELECT id FROM departments WHERE code = $1 FOR NO KEY UPDATE")
                .bind::<diesel::sql_types::Text, _>(code.as_str())
                .get_result::<LockedRow>(pg)
                .optional()?
                .map(|row| row.id)
                .ok_or_else(|| StoreError::NotFound(format!("department {code}")))
        }
        DbConnection::Sqlite(_) => department_id(conn, code),
    }
}

/// Takes the row locks of every department (PostgreSQL), for a write that rewrites the
/// projections of many units: it waits for the report writes under way, and later ones wait
/// for it. Always in the order of the ids, so that two such writes cannot deadlock.
pub(super) fn lock_all_departments(conn: &mut DbConnection) -> Result<(), StoreError> {
    if let DbConnection::Postgres(pg) = conn {
        diesel::sql_query("SELECT id FROM departments ORDER BY id FOR NO KEY UPDATE")
            .load::<LockedRow>(pg)?;
    }
    Ok(())
}

#[derive(QueryableByName)]
struct LockedRow {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    id: i64,
}

fn load(conn: &mut DbConnection, code: &UnitCode) -> Result<DepartmentRecord, StoreError> {
    departments::table
        .filter(departments::code.eq(code.as_str()))
        .select(DepartmentRow::as_select())
        .unique_row(conn)?
        .ok_or_else(|| StoreError::NotFound(format!("department {code}")))?
        .try_into()
}

/// A parent must exist and must not be the department itself or one of its descendants.
fn check_parent(conn: &mut DbConnection, department: &Department) -> Result<(), StoreError> {
    let Some(parent) = &department.parent_code else {
        return Ok(());
    };
    let invalid = |invalid| StoreError::Invalid(vec![FieldError::new("parent_code", invalid)]);
    let mut ancestor = Some(parent.as_str().to_owned());
    while let Some(code) = ancestor {
        if code == department.code.as_str() {
            return Err(invalid(Invalid::Cycle {
                value: department.code.to_string(),
            }));
        }
        ancestor = departments::table
            .filter(departments::code.eq(&code))
            .select(departments::parent_code)
            .first::<Option<String>>(conn)
            .optional()?
            .ok_or_else(|| {
                invalid(Invalid::UnknownReference {
                    value: code.clone(),
                })
            })?;
    }
    Ok(())
}

/// Adds a department whose parent, if any, exists already.
fn insert_department(conn: &mut DbConnection, department: &Department) -> Result<(), StoreError> {
    check_parent(conn, department)?;
    let at = now();
    let inserted = diesel::insert_into(departments::table)
        .values((
            departments::code.eq(department.code.as_str()),
            departments::name.eq(department.name.as_str()),
            departments::kind.eq(department.kind.as_str()),
            departments::funding_type.eq(department.funding_type.map(FundingType::as_str)),
            departments::parent_code.eq(department.parent_code.as_ref().map(UnitCode::as_str)),
            departments::created_at.eq(at),
            departments::updated_at.eq(at),
        ))
        .execute(conn);
    match inserted {
        Err(e) if is_unique_violation(&e) => Err(StoreError::Conflict {
            code: "department_exists",
            detail: format!(
                "a department with code `{}` already exists",
                department.code
            ),
        }),
        other => other.map(|_| ()).map_err(StoreError::from),
    }
}

impl Store {
    /// Registers a department. See `update_department` for `recording`.
    pub fn create_department(
        &self,
        department: Department,
        recording: Option<&Recording<'_, DepartmentRecord>>,
    ) -> Result<DepartmentRecord, StoreError> {
        self.write(|conn| {
            insert_department(conn, &department)?;
            let created = load(conn, &department.code)?;
            recorded(conn, recording, created)
        })
    }

    /// Changes a department.
    /// `recording`: the audit entry the change is stored with, in the same transaction; none
    /// for a change made outside any request (the command line, the first admin).
    pub fn update_department(
        &self,
        code: &UnitCode,
        patch: DepartmentPatch,
        recording: Option<&Recording<'_, DepartmentRecord>>,
    ) -> Result<DepartmentRecord, StoreError> {
        self.write(|conn| {
            let mut department = load(conn, code)?.department;
            department.apply(patch);
            check_parent(conn, &department)?;
            diesel::update(departments::table.filter(departments::code.eq(code.as_str())))
                .set((
                    departments::name.eq(department.name.as_str()),
                    departments::kind.eq(department.kind.as_str()),
                    departments::funding_type.eq(department.funding_type.map(FundingType::as_str)),
                    departments::parent_code
                        .eq(department.parent_code.as_ref().map(UnitCode::as_str)),
                    departments::updated_at.eq(now()),
                ))
                .execute(conn)?;
            super::generations::bump(conn, None, None)?;
            let changed = load(conn, code)?;
            recorded(conn, recording, changed)
        })
    }

    /// Deletes a department that nothing depends on: no evaluations, no subordinate units.
    /// See `update_department` for `recording`.
    pub fn delete_department(
        &self,
        code: &UnitCode,
        recording: Option<&Recording<'_, ()>>,
    ) -> Result<(), StoreError> {
        self.write(|conn| {
            let id = department_id(conn, code)?;
            let evaluation_count: i64 = evaluations::table
                .filter(evaluations::department_id.eq(id))
                .count()
                .get_result(conn)?;
            if evaluation_count > 0 {
                return Err(StoreError::Conflict {
                    code: "department_has_evaluations",
                    detail: format!(
                        "department `{code}` has {evaluation_count} evaluation(s) and cannot be deleted"
                    ),
                });
            }
            let child_count: i64 = departments::table
                .filter(departments::parent_code.eq(code.as_str()))
                .count()
                .get_result(conn)?;
            if child_count > 0 {
                return Err(StoreError::Conflict {
                    code: "department_has_subordinates",
                    detail: format!(
                        "department `{code}` is the parent of {child_count} unit(s) and cannot be deleted"
                    ),
                });
            }
            let users_bound: i64 = users::table
                .filter(users::department_code.eq(code.as_str()))
                .count()
                .get_result(conn)?;
                        let tokens_bound: i64 = service_tokens::table
                .filter(service_tokens::department_code.eq(code.as_str()))
                .filter(service_tokens::revoked_at.is_null())
                .count()
                .get_result(conn)?;
            if users_bound + tokens_bound > 0 {
                return Err(StoreError::Conflict {
                    code: "department_has_users",
                    detail: format!(
                        "department `{code}` has {users_bound} user(s) and {tokens_bound} service token(s) bound to it and cannot be deleted"
                    ),
                });
            }
                        // Revoked tokens are dead; they go with their department.
            diesel::delete(service_tokens::table.filter(service_tokens::department_code.eq(code.as_str())))
                .execute(conn)?;
            diesel::delete(departments::table.filter(departments::id.eq(id))).execute(conn)?;
            recorded(conn, recording, ())
        })
    }
}

/// The codes of `root` and of every unit below it, read on `conn`.
pub(super) fn subtree_codes(
    conn: &mut DbConnection,
    root: &UnitCode,
) -> Result<Vec<String>, StoreError> {
    let mut codes = vec![root.as_str().to_owned()];
    let mut frontier = codes.clone();
    while !frontier.is_empty() {
        let children: Vec<String> = departments::table
            .filter(departments::parent_code.eq_any(&frontier))
            .select(departments::code)
            .load(conn)?;
        // A cycle cannot be stored, but a walk that never ends must not be possible either.
        frontier = children
            .into_iter()
            .filter(|c| !codes.contains(c))
            .collect();
        codes.extend(frontier.iter().cloned());
    }
    Ok(codes)
}

impl Transaction<'_> {
    /// Whether `code` is `root` or a unit below it.
    pub fn is_within(&mut self, code: &UnitCode, root: &UnitCode) -> Result<bool, StoreError> {
        within(self.conn, code, root)
    }

    /// Stores a new department; its parent must be stored already.
    pub fn insert_department(&mut self, department: &Department) -> Result<(), StoreError> {
        insert_department(self.conn, department)
    }
}

/// Whether `code` is `root` or a unit below it, walking up from `code`.
fn within(conn: &mut DbConnection, code: &UnitCode, root: &UnitCode) -> Result<bool, StoreError> {
    let mut current = Some(code.as_str().to_owned());
    let mut steps = 0;
    while let Some(at) = current {
        if at == root.as_str() {
            return Ok(true);
        }
        steps += 1;
        if steps > 64 {
            return Ok(false);
        }
        current = departments::table
            .filter(departments::code.eq(&at))
            .select(departments::parent_code)
            .first::<Option<String>>(conn)
            .optional()?
            .flatten();
    }
    Ok(false)
}

impl Transaction<'_> {
    pub fn department(&mut self, code: &UnitCode) -> Result<DepartmentRecord, StoreError> {
        let conn = &mut *self.conn;
        load(conn, code)
    }

    pub fn list_departments(
        &mut self,
        filter: &DepartmentFilter,
        window: Window,
    ) -> Result<Page<DepartmentRecord>, StoreError> {
        let scope = filter
            .within
            .as_ref()
            .map(|root| subtree_codes(self.conn, root))
            .transpose()?;
        let query = || {
            let mut query = departments::table.into_boxed();
            if let Some(codes) = &scope {
                query = query.filter(departments::code.eq_any(codes.clone()));
            }
            if let Some(parent) = &filter.parent_code {
                query = query.filter(departments::parent_code.eq(parent.as_str().to_owned()));
            }
            if let Some(kind) = filter.kind {
                query = query.filter(departments::kind.eq(kind.as_str()));
            }
            query
        };
        let conn = &mut *self.conn;
        let total = query().count().get_result(conn)?;
        let rows: Vec<DepartmentRow> = query()
            .order(departments::code.asc())
            .limit(window.limit)
            .offset(window.offset)
            .select(DepartmentRow::as_select())
            .load(conn)?;
        let items = rows
            .into_iter()
            .map(TryInto::try_into)
            .collect::<Result<_, _>>()?;
        Ok(Page { items, total })
    }

    /// Each unit that has a parent, with its parent's code.
    pub fn parents(&mut self) -> Result<BTreeMap<UnitCode, UnitCode>, StoreError> {
        let rows: Vec<(String, Option<String>)> = departments::table
            .filter(departments::parent_code.is_not_null())
            .select((departments::code, departments::parent_code))
            .load(&mut *self.conn)?;
        rows.into_iter()
            .filter_map(|(code, parent)| parent.map(|parent| (code, parent)))
            .map(|(code, parent)| {
                let parse = |text: String| {
                    text.parse::<UnitCode>().map_err(|_| {
                        StoreError::internal(format!("stored unit code `{text}` is not valid"))
                    })
                };
                Ok((parse(code)?, parse(parent)?))
            })
            .collect()
    }

    /// The codes of `root` and of every unit below it, however deep.
    pub fn subtree(&mut self, root: &UnitCode) -> Result<Vec<String>, StoreError> {
        let conn = &mut *self.conn;
        subtree_codes(conn, root)
    }
}
