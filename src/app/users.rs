//! 用户 — changing a user, and saying what changed for the audit log (never the secret).

use super::{AppError, administer};
use crate::domain::access::Username;
use crate::store::Store;
use crate::store::users::{ChangedUser, NewUser, UserChange, UserRecord};

/// Creates a user; answers it and, for the log, its role and department.
pub fn create_user(store: &Store, user: NewUser) -> Result<(UserRecord, String), AppError> {
    let created = administer("a new user", || store.create_user(user.clone()))?;
    let described = format!(
        "role: {}; department: {}",
        created.role,
        department(&created)
    );
    Ok((created, described))
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
    username: &Username,
    change: UserChange,
) -> Result<(UserRecord, String), AppError> {
    let password_reset = change.password.is_some();
    let changed = administer("a user", || store.change_user(username, change.clone()))?;
    let described = describe(&changed, password_reset);
    Ok((changed.after, described))
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
