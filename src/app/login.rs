//! 登录 — checking a user name and password, with its audit entry written before the answer:
//! a login that could not be recorded is not granted.

use super::AppError;
use super::audit::{AuditPolicy, Kind, note, outcome, record};
use crate::store::Store;
use crate::store::audit::NewAuditEntry;
use crate::store::users::{Authentication, UserRecord};

/// Who logs in and from where.
pub struct LoginRequest<'a> {
    pub username: &'a str,
    pub password: &'a str,
    pub address: Option<String>,
}

/// The user, when the name and password are a user's who may log in; `None` otherwise. The
/// audit entry names the user only when the name is a real user's: anything else typed in the
/// name field (a password, perhaps) is recorded as "unknown user", never as typed.
pub fn log_in(
    store: &Store,
    policy: &AuditPolicy,
    login: LoginRequest<'_>,
) -> Result<Option<UserRecord>, AppError> {
    let result = store.authenticate(login.username, login.password)?;
    let (actor, detail, kind) = match &result {
        Authentication::Accepted(user) => (Some(user.username.to_string()), None, Kind::Own),
        Authentication::WrongPassword(name) => {
            (Some(name.to_string()), Some("wrong password"), Kind::Own)
        }
        Authentication::Disabled(name) => (
            Some(name.to_string()),
            Some("the user is disabled"),
            Kind::Own,
        ),
        Authentication::UnknownUser => (None, Some(UNKNOWN_USER), Kind::Anonymous),
    };
    let user = match result {
        Authentication::Accepted(user) => Some(user),
        _ => None,
    };
    let entry = NewAuditEntry {
        actor,
        action: "login".to_owned(),
        target: None,
        address: login.address,
        status: if user.is_some() { 200 } else { 401 },
        outcome: if user.is_some() {
            "succeeded"
        } else {
            "refused"
        },
        detail: detail.map(str::to_owned),
    };
    record(store, policy, &entry, kind).map_err(|error| match error {
        AppError::Store(cause) => AppError::Unrecorded(cause),
        other => other,
    })?;
    Ok(user)
}

/// What the log says of a login name that is no user's.
pub const UNKNOWN_USER: &str = "unknown user";

/// What a login refused before its password was checked is recorded as.
pub const CROSS_SITE_LOGIN: &str = "a login posted by a page of another site was refused";
/// See `CROSS_SITE_LOGIN`.
pub const LOGIN_THROTTLED: &str = "too many failed logins from this address";
/// See `CROSS_SITE_LOGIN`.
pub const LOGIN_UNREAD: &str = "the login was refused before its password was checked";

/// Records a login refused before its password was checked (`why`, answered with
/// `status`): whatever name it gave is not known to be anyone's, and is not kept, so the
/// refusal is summed with the like ones from its address. A log that cannot be written is
/// reported in the service's log; the refusal is answered as it is.
pub fn refused_unread(
    store: &Store,
    policy: &AuditPolicy,
    address: Option<String>,
    why: &str,
    status: u16,
) {
    let entry = NewAuditEntry {
        actor: None,
        action: "login".to_owned(),
        target: None,
        address,
        status,
        outcome: outcome(status),
        detail: Some(why.to_owned()),
    };
    note(store, policy, &entry, Kind::Anonymous);
}
