//! 用户与服务令牌 — who may use the service: the users and the service tokens, all for
//! admins; and saying what changed for the audit log (never the secret).

use super::AppError;
use super::access::require_admin;
use super::audit::{Answered, Trail};
use crate::domain::access::{Caller, Username};
use crate::domain::values::{Label, UnitCode};
use crate::store::Store;
pub use crate::store::service_tokens::ServiceTokenRecord;
use crate::store::users::ChangedUser;
pub use crate::store::users::{NewUser, UserChange, UserRecord};

/// Every user, by name.
pub fn list(store: &Store, caller: &Caller) -> Result<Vec<UserRecord>, AppError> {
    require_admin(caller)?;
    store.read_transaction(|tx| Ok(tx.list_users()?))
}

/// One user, named in the request (`super::input`).
pub fn get(
    store: &Store,
    caller: &Caller,
    username: Result<Username, AppError>,
) -> Result<UserRecord, AppError> {
    require_admin(caller)?;
    Ok(store.user(&username?)?)
}

/// Creates a user, read from the request; answers it and, for the log, its role and
/// department.
pub fn create_user(
    store: &Store,
    trail: &Trail,
    caller: &Caller,
    user: Result<NewUser, AppError>,
) -> Result<UserRecord, AppError> {
    trail.administer_as_admin(
        store,
        caller,
        "user.create",
        user,
        |user, recording| store.create_user(user.clone(), Some(recording)),
        |created| {
            let described = format!(
                "role: {}; department: {}",
                created.role,
                department(created)
            );
            (Answered::Created, Some(described))
        },
    )
}

/// A user's department as the log names it.
fn department(user: &UserRecord) -> String {
    user.department
        .as_ref()
        .map_or_else(|| "none".to_owned(), ToString::to_string)
}

/// Changes a user; answers the user as it is now and what changed, in words for the log:
/// `role: unit → admin; department: 001 → none; password reset; enabled → disabled`.
pub fn change_user(
    store: &Store,
    trail: &Trail,
    caller: &Caller,
    input: Result<(Username, UserChange), AppError>,
) -> Result<UserRecord, AppError> {
    let password_reset = input
        .as_ref()
        .is_ok_and(|(_, change)| change.password.is_some());
    let changed = trail.administer_as_admin(
        store,
        caller,
        "user.update",
        input,
        |(username, change), recording| {
            store.change_user(username, change.clone(), Some(recording))
        },
        |changed| (Answered::Done, Some(describe(changed, password_reset))),
    )?;
    Ok(changed.after)
}

/// What changed between `before` and `after`, field by field; "nothing changed" when nothing
/// did.
fn describe(changed: &ChangedUser, password_reset: bool) -> String {
    let ChangedUser { before, after } = changed;
    let state = |disabled: bool| if disabled { "disabled" } else { "enabled" };
    let mut parts = Vec::new();
    if before.role != after.role {
        parts.push(format!("role: {} → {}", before.role, after.role));
    }
    if before.department != after.department {
        parts.push(format!(
            "department: {} → {}",
            department(before),
            department(after)
        ));
    }
    if password_reset {
        parts.push("password reset".to_owned());
    }
    if before.disabled != after.disabled {
        parts.push(format!(
            "{} → {}",
            state(before.disabled),
            state(after.disabled)
        ));
    }
    if parts.is_empty() {
        "nothing changed".to_owned()
    } else {
        parts.join("; ")
    }
}

/// Every service token, revoked ones included.
pub fn list_tokens(store: &Store, caller: &Caller) -> Result<Vec<ServiceTokenRecord>, AppError> {
    require_admin(caller)?;
    store.read_transaction(|tx| Ok(tx.list_service_tokens()?))
}

/// Issues a service token for a department, its name and department read from the request;
/// answers it with the token, shown this once.
pub fn issue_token(
    store: &Store,
    trail: &Trail,
    caller: &Caller,
    input: Result<(Label, UnitCode), AppError>,
) -> Result<(ServiceTokenRecord, String), AppError> {
    trail.administer_as_admin(
        store,
        caller,
        "service_token.issue",
        input,
        |(name, department), recording| {
            store.issue_service_token(name.as_str(), department, &caller.subject, Some(recording))
        },
        |_| (Answered::Created, None),
    )
}

/// Revokes the service token the request names, from its next use on.
pub fn revoke_token(
    store: &Store,
    trail: &Trail,
    caller: &Caller,
    id: Result<i64, AppError>,
) -> Result<ServiceTokenRecord, AppError> {
    trail.administer_as_admin(
        store,
        caller,
        "service_token.revoke",
        id,
        |id, recording| store.revoke_service_token(*id, Some(recording)),
        |_| (Answered::Done, None),
    )
}
