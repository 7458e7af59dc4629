//! 调用者 — who presents a credential: the service token or the user a bearer token names,
//! as read a moment ago (no database is asked) or from the store.

use super::AppError;
use crate::domain::access::Username;
pub use crate::store::service_tokens::{ServiceTokenRecord, TOKEN_PREFIX};
pub use crate::store::users::UserRecord;
use crate::store::{Store, StoreError};

/// The live service token `token` is, as read a moment ago.
pub fn recent_service_token(store: &Store, token: &str) -> Option<ServiceTokenRecord> {
    store.recent_service_token(token)
}

/// The live service token `token` is, if any.
pub fn service_token(store: &Store, token: &str) -> Result<Option<ServiceTokenRecord>, AppError> {
    Ok(store.service_token(token)?)
}

/// The user `name` is, as read a moment ago.
pub fn recent_user(store: &Store, name: &Username) -> Option<UserRecord> {
    store.recent_user(name)
}

/// The user `name` is, if there is one.
pub fn user(store: &Store, name: &Username) -> Result<Option<UserRecord>, AppError> {
    match store.user(name) {
        Ok(user) => Ok(Some(user)),
        Err(StoreError::NotFound(_)) => Ok(None),
        Err(other) => Err(other.into()),
    }
}
