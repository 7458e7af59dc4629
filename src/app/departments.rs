//! 预算单位 — the departments: registering, reading, listing, changing and removing them.

use super::AppError;
use super::access::{list_scope, require_read};
use super::audit::{Answered, Trail};
use crate::domain::access::Caller;
use crate::domain::department::{Department, DepartmentPatch, UnitKind};
use crate::domain::values::UnitCode;
use crate::store::departments::DepartmentFilter;
pub use crate::store::departments::DepartmentRecord;
use crate::store::{Page, Store, Window};

/// Registers a department, read from the request (`super::input`). Admins.
pub fn create(
    store: &Store,
    trail: &Trail,
    caller: &Caller,
    department: Result<Department, AppError>,
) -> Result<DepartmentRecord, AppError> {
    trail.administer_as_admin(
        store,
        caller,
        "department.create",
        department,
        |department, recording| store.create_department(department.clone(), Some(recording)),
        |_| (Answered::Created, None),
    )
}

/// The departments by code, filtered by parent and kind, a page at a time: a unit sees its
/// own subtree only.
pub fn list(
    store: &Store,
    caller: &Caller,
    parent: Option<UnitCode>,
    kind: Option<UnitKind>,
    window: Window,
) -> Result<Page<DepartmentRecord>, AppError> {
    let filter = DepartmentFilter {
        parent_code: parent,
        kind,
        within: list_scope(caller)?,
    };
    store.read_transaction(|tx| Ok(tx.list_departments(&filter, window)?))
}

/// One department, if the caller may read it.
pub fn get(store: &Store, caller: &Caller, code: &UnitCode) -> Result<DepartmentRecord, AppError> {
    store.read_transaction(|tx| {
        require_read(tx, caller, code)?;
        Ok(tx.department(code)?)
    })
}

/// Changes a department as `patch`, read from the request, says. Admins.
pub fn change(
    store: &Store,
    trail: &Trail,
    caller: &Caller,
    code: &UnitCode,
    patch: Result<DepartmentPatch, AppError>,
) -> Result<DepartmentRecord, AppError> {
    trail.administer_as_admin(
        store,
        caller,
        "department.update",
        patch,
        |patch, recording| store.update_department(code, patch.clone(), Some(recording)),
        |_| (Answered::Done, None),
    )
}

/// Removes a department that nothing refers to. Admins.
pub fn delete(
    store: &Store,
    trail: &Trail,
    caller: &Caller,
    code: &UnitCode,
) -> Result<(), AppError> {
    trail.administer_as_admin(
        store,
        caller,
        "department.delete",
        Ok(()),
        |(), recording| store.delete_department(code, Some(recording)),
        |()| (Answered::Removed, None),
    )
}
