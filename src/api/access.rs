//! What a caller may reach. A unit learns nothing of other units: what lies outside its
//! subtree is answered exactly as what does not exist.

use actix_web::web;

use super::error::ApiError;
use crate::domain::access::Caller;
use crate::domain::values::UnitCode;
use crate::store::Store;

pub fn require_admin(caller: &Caller) -> Result<(), ApiError> {
    if caller.is_admin() {
        Ok(())
    } else {
        Err(ApiError::Forbidden(format!(
            "this needs the admin role; the caller is {}",
            caller.role
        )))
    }
}

/// Reading a department's data: the bureau's roles always; a unit within its subtree.
pub async fn require_read(
    store: &web::Data<Store>,
    caller: &Caller,
    code: &UnitCode,
) -> Result<(), ApiError> {
    if caller.reads_everything() {
        return Ok(());
    }
    require_within(store, caller, code).await
}

/// Changing a department's evaluations: admins always; a unit within its subtree; the
/// bureau's other roles never.
pub async fn require_write(
    store: &web::Data<Store>,
    caller: &Caller,
    code: &UnitCode,
) -> Result<(), ApiError> {
    if caller.is_admin() {
        return Ok(());
    }
    if caller.reads_everything() {
        return Err(ApiError::Forbidden(format!(
            "the {} role does not change reports",
            caller.role
        )));
    }
    require_within(store, caller, code).await
}

async fn require_within(
    store: &web::Data<Store>,
    caller: &Caller,
    code: &UnitCode,
) -> Result<(), ApiError> {
    let hidden = || ApiError::NotFound(format!("department {code}"));
    let Some(root) = caller.unit_scope().cloned() else {
        return Err(hidden());
    };
    let store = store.clone();
    let target = code.clone();
    let within = web::block(move || store.is_within(&target, &root)).await??;
    if within { Ok(()) } else { Err(hidden()) }
}

/// The subtree a caller's lists and tables are confined to: none for the bureau's roles, its
/// department for a unit. A unit bound to no department is refused rather than shown all.
pub fn list_scope(caller: &Caller) -> Result<Option<UnitCode>, ApiError> {
    if caller.reads_everything() {
        return Ok(None);
    }
    caller
        .unit_scope()
        .cloned()
        .map(Some)
        .ok_or_else(|| ApiError::Forbidden("a unit caller is bound to no department".to_owned()))
}
