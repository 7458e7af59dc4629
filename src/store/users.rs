//! 用户 — people who log in; passwords kept only as argon2 hashes.

use std::sync::OnceLock;

use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::audit::{Recording, recorded};
use super::schema::users;
use super::{DbConnection, Store, StoreError, Transaction, UniqueRow, is_unique_violation, now};
use crate::domain::access::{Password, Role, Username};
use crate::domain::values::UnitCode;
use crate::domain::{FieldError, Invalid};

/// A user as stored, without the password hash.
#[derive(Debug, Clone)]
pub struct UserRecord {
    pub username: Username,
    pub role: Role,
    pub department: Option<UnitCode>,
    pub disabled: bool,
    /// Goes up with every change of password or rights; older login tokens are refused.
    pub token_generation: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A new user.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: Username,
    pub password: Password,
    pub role: Role,
    pub department: Option<UnitCode>,
}

/// What a login's name and password turned out to be.
#[derive(Debug, Clone)]
pub enum Authentication {
    /// The user's, and the user may log in.
    Accepted(UserRecord),
    /// A real user's name with a wrong password.
    WrongPassword(Username),
    /// A real user's name and password, but the user is disabled.
    Disabled(Username),
    /// No user has this name: what was given may be anything, a password too.
    UnknownUser,
}

/// A user before and after a change.
#[derive(Debug, Clone)]
pub struct ChangedUser {
    pub before: UserRecord,
    pub after: UserRecord,
}

/// Changes to a user; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UserChange {
    pub role: Option<Role>,
    pub department: Option<Option<UnitCode>>,
    pub disabled: Option<bool>,
    pub password: Option<Password>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = users)]
struct UserRow {
    username: String,
    password_hash: String,
    role: String,
    department_code: Option<String>,
    disabled: bool,
    token_generation: i64,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl TryFrom<UserRow> for UserRecord {
    type Error = StoreError;

    fn try_from(row: UserRow) -> Result<Self, StoreError> {
        let corrupt = |what: &str| {
            StoreError::internal(format!("user {}: stored {what} is not valid", row.username))
        };
        Ok(Self {
            username: row.username.parse().map_err(|_| corrupt("username"))?,
            role: Role::parse(&row.role).ok_or_else(|| corrupt("role"))?,
            department: row
                .department_code
                .as_deref()
                .map(|code| code.parse().map_err(|_| corrupt("department")))
                .transpose()?,
            disabled: row.disabled,
            token_generation: row.token_generation,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

fn hash_password(password: &Password) -> Result<String, StoreError> {
    Argon2::default()
        .hash_password(password.expose().as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| StoreError::caused("password hashing failed", e))
}

/// A unit user is bound to one existing department; the bureau's roles to none.
fn check_binding(
    conn: &mut DbConnection,
    role: Role,
    department: Option<&UnitCode>,
) -> Result<(), StoreError> {
    let invalid = |invalid| StoreError::Invalid(vec![FieldError::new("department", invalid)]);
    match (role, department) {
        (Role::Unit, None) => Err(invalid(Invalid::Required)),
        (Role::Unit, Some(code)) => super::departments::department_id(conn, code)
            .map(|_| ())
            .map_err(|_| {
                invalid(Invalid::UnknownReference {
                    value: code.to_string(),
                })
            }),
        (_, Some(_)) => Err(invalid(Invalid::NotAllowed)),
        (_, None) => Ok(()),
    }
}

fn load_row(conn: &mut DbConnection, username: &Username) -> Result<UserRow, StoreError> {
    users::table
        .filter(users::username.eq(username.as_str()))
        .select(UserRow::as_select())
        .unique_row(conn)?
        .ok_or_else(|| StoreError::NotFound(format!("user {username}")))
}

impl Store {
    /// How many users have the administrator role, disabled ones included.
    pub fn admin_count(&self) -> Result<i64, StoreError> {
        self.read(|conn| {
            Ok(users::table
                .filter(users::role.eq(Role::Admin.as_str()))
                .count()
                .get_result(conn)?)
        })
    }

    /// Creates a user. `recording`: the audit entry stored with it, in the same transaction;
    /// none for a user made outside any request (the command line, the first admin).
    pub fn create_user(
        &self,
        user: NewUser,
        recording: Option<&Recording<'_, UserRecord>>,
    ) -> Result<UserRecord, StoreError> {
        let password_hash = hash_password(&user.password)?;
        self.write(|conn| {
            check_binding(conn, user.role, user.department.as_ref())?;
            let at = now();
            let inserted = diesel::insert_into(users::table)
                .values((
                    users::username.eq(user.username.as_str()),
                    users::password_hash.eq(&password_hash),
                    users::role.eq(user.role.as_str()),
                    users::department_code.eq(user.department.as_ref().map(UnitCode::as_str)),
                    users::disabled.eq(false),
                    users::token_generation.eq(0_i64),
                    users::created_at.eq(at),
                    users::updated_at.eq(at),
                ))
                .execute(conn);
            match inserted {
                Err(e) if is_unique_violation(&e) => Err(StoreError::Conflict {
                    code: "user_exists",
                    detail: format!("a user named `{}` already exists", user.username),
                }),
                other => other.map(|_| ()).map_err(StoreError::from),
            }?;
            let created = load_row(conn, &user.username)?.try_into()?;
            recorded(conn, recording, created)
        })
    }

    pub fn user(&self, username: &Username) -> Result<UserRecord, StoreError> {
        let read_at = self.recent_users.reading();
        let user: UserRecord = self.read(|conn| load_row(conn, username)?.try_into())?;
        self.recent_users
            .keep(username.as_str().to_owned(), user.clone(), read_at);
        Ok(user)
    }

    /// The user as the database said a moment ago (see `RIGHTS_FRESH_FOR`), without asking it.
    pub fn recent_user(&self, username: &Username) -> Option<UserRecord> {
        self.recent_users.get(username.as_str())
    }

    /// Changes a user, and answers it as it was and as it is. A new password, a new role or
    /// department, or disabling ends every token issued before. See `create_user` for
    /// `recording`.
    pub fn change_user(
        &self,
        username: &Username,
        change: UserChange,
        recording: Option<&Recording<'_, ChangedUser>>,
    ) -> Result<ChangedUser, StoreError> {
        let password_hash = change.password.as_ref().map(hash_password).transpose()?;
        let changed = self.write(|conn| {
            let current: UserRecord = load_row(conn, username)?.try_into()?;
            let role = change.role.unwrap_or(current.role);
            let department = change
                .department
                .clone()
                .unwrap_or(current.department.clone());
            check_binding(conn, role, department.as_ref())?;
            let disabled = change.disabled.unwrap_or(current.disabled);
            let ends_tokens = password_hash.is_some()
                || role != current.role
                || department != current.department
                || (disabled && !current.disabled);
            let at = now();
            let target = users::table.filter(users::username.eq(username.as_str()));
            diesel::update(target)
                .set((
                    users::role.eq(role.as_str()),
                    users::department_code.eq(department.as_ref().map(UnitCode::as_str)),
                    users::disabled.eq(disabled),
                    users::updated_at.eq(at),
                ))
                .execute(conn)?;
            if let Some(hash) = &password_hash {
                diesel::update(target)
                    .set(users::password_hash.eq(hash))
                    .execute(conn)?;
            }
            if ends_tokens {
                diesel::update(target)
                    .set(users::token_generation.eq(users::token_generation + 1))
                    .execute(conn)?;
            }
            let changed = ChangedUser {
                before: current,
                after: load_row(conn, username)?.try_into()?,
            };
            recorded(conn, recording, changed)
        });
        self.recent_users.forget();
        changed
    }

    /// Whose name and password these are, and whether the user may log in. The work of
    /// checking a password is done even for an unknown name, so that timing does not tell
    /// names apart.
    pub fn authenticate(
        &self,
        username: &str,
        password: &str,
    ) -> Result<Authentication, StoreError> {
        let row = match username.parse::<Username>() {
            Ok(name) => self.read(|conn| match load_row(conn, &name) {
                Ok(row) => Ok(Some(row)),
                Err(StoreError::NotFound(_)) => Ok(None),
                Err(other) => Err(other),
            })?,
            Err(_) => None,
        };
        let stored_hash = row
            .as_ref()
            .map(|row| row.password_hash.clone())
            .unwrap_or_else(|| unknown_user_hash().to_owned());
        let matches = Argon2::default()
            .verify_password(password.as_bytes(), stored_hash.as_str())
            .is_ok();
        let Some(row) = row else {
            return Ok(Authentication::UnknownUser);
        };
        let user: UserRecord = row.try_into()?;
        Ok(match (matches, user.disabled) {
            (false, _) => Authentication::WrongPassword(user.username),
            (true, true) => Authentication::Disabled(user.username),
            (true, false) => Authentication::Accepted(user),
        })
    }
}

/// An argon2 hash of a password no one has, checked against when the name is unknown.
fn unknown_user_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| {
        Argon2::default()
            .hash_password(b"no user has this password")
            .map(|hash| hash.to_string())
            .unwrap_or_default()
    })
}

impl Transaction<'_> {
    pub fn list_users(&mut self) -> Result<Vec<UserRecord>, StoreError> {
        let conn = &mut *self.conn;
        let rows: Vec<UserRow> = users::table
            .order(users::username.asc())
            .select(UserRow::as_select())
            .load(conn)?;
        rows.into_iter().map(TryInto::try_into).collect()
    }
}
