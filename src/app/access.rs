//! What a caller may reach, decided inside the use case's own transaction. A unit learns
//! nothing of other units: what lies outside its subtree is answered exactly as what does not
//! exist.

use super::AppError;
use crate::domain::access::{Caller, Role};
use crate::domain::values::UnitCode;
use crate::store::{Store, Transaction};

pub fn require_admin(caller: &Caller) -> Result<(), AppError> {
    if caller.is_admin() {
        Ok(())
    } else {
        Err(AppError::Forbidden(format!(
            "this needs the admin role; the caller is {}",
            caller.role
        )))
    }
}

/// Reviewers act on submitted and accepted evaluations; so do admins.
pub fn require_reviewer(caller: &Caller) -> Result<(), AppError> {
    match caller.role {
        Role::Admin | Role::Reviewer => Ok(()),
        role => Err(AppError::Forbidden(format!(
            "this needs the reviewer or admin role; the caller is {role}"
        ))),
    }
}

/// Reading a department's data: the bureau's roles always; a unit within its subtree.
pub fn require_read(
    tx: &mut Transaction<'_>,
    caller: &Caller,
    code: &UnitCode,
) -> Result<(), AppError> {
    if caller.reads_everything() {
        return Ok(());
    }
    require_within(tx, caller, code)
}

/// Changing a department's evaluations: admins always; a unit within its subtree; the
/// bureau's other roles never.
pub fn require_write(
    tx: &mut Transaction<'_>,
    caller: &Caller,
    code: &UnitCode,
) -> Result<(), AppError> {
    if caller.is_admin() {
        return Ok(());
    }
    if caller.reads_everything() {
        return Err(AppError::Forbidden(format!(
            "the {} role does not change reports",
            caller.role
        )));
    }
    require_within(tx, caller, code)
}

fn require_within(
    tx: &mut Transaction<'_>,
    caller: &Caller,
    code: &UnitCode,
) -> Result<(), AppError> {
    let hidden = || AppError::NotFound(format!("department {code}"));
    let Some(root) = caller.unit_scope() else {
        return Err(hidden());
    };
    if tx.is_within(code, root)? {
        Ok(())
    } else {
        Err(hidden())
    }
}

/// The subtree a caller's lists and tables are confined to: none for the bureau's roles, its
/// department for a unit. A unit bound to no department is refused rather than shown all.
pub fn list_scope(caller: &Caller) -> Result<Option<UnitCode>, AppError> {
    if caller.reads_everything() {
        return Ok(None);
    }
    caller
        .unit_scope()
        .cloned()
        .map(Some)
        .ok_or_else(|| AppError::Forbidden("a unit caller is bound to no department".to_owned()))
}

/// Writing what the review cycle's `action` changes: a unit submits its own (`require_write`),
/// reviewers and admins do the rest.
pub fn require_actor(
    tx: &mut Transaction<'_>,
    caller: &Caller,
    code: &UnitCode,
    action: crate::domain::cycle::Action,
) -> Result<(), AppError> {
    use crate::domain::cycle::Action;
    match action {
        Action::Submit => require_write(tx, caller, code),
        Action::Return | Action::Accept | Action::Publish => require_reviewer(caller),
    }
}

/// The request's input, or its own refusal once the caller's right (`right`, checked in a
/// read transaction of its own) is found: a caller without the right is refused as such, and
/// learns nothing from how its input was read.
pub(super) fn once_allowed<T>(
    store: &Store,
    right: impl FnOnce(&mut Transaction<'_>) -> Result<(), AppError>,
    asked: Result<T, AppError>,
) -> Result<T, AppError> {
    match asked {
        Ok(asked) => Ok(asked),
        Err(refused) => store.read_transaction(right).and(Err(refused)),
    }
}
