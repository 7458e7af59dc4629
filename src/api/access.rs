//! Access checks for the handlers that assemble a view from several reads (documents,
//! tables, charts, departments); the use cases of `app` check inside their own transaction.
//! The rules themselves are `app::access`'s.

use actix_web::web;

use super::error::ApiError;
use crate::app;
use crate::domain::access::Caller;
use crate::domain::values::UnitCode;
use crate::store::Store;

pub fn require_admin(caller: &Caller) -> Result<(), ApiError> {
    Ok(app::access::require_admin(caller)?)
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
    let (store, caller, code) = (store.clone(), caller.clone(), code.clone());
    Ok(super::request_id::block(move || app::access::check_read(&store, &caller, &code)).await??)
}

/// The subtree a caller's lists and tables are confined to; see `app::access::list_scope`.
pub fn list_scope(caller: &Caller) -> Result<Option<UnitCode>, ApiError> {
    Ok(app::access::list_scope(caller)?)
}
