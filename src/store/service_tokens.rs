//! 服务令牌 — long-lived tokens with which a unit's own system posts its reports. Shown once
//! when issued; only their SHA-256 is stored.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use super::audit::{Recording, recorded};
use super::schema::service_tokens;
use super::{Store, StoreError, Transaction, UniqueRow, now};
use crate::domain::values::UnitCode;
use crate::hex::{hex, random_hex};

/// Every service token starts with this, so that it is told from a JWT at a glance.
pub const TOKEN_PREFIX: &str = "pev_";

#[derive(Debug, Clone)]
pub struct ServiceTokenRecord {
    pub id: i64,
    pub name: String,
    pub department: UnitCode,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = service_tokens)]
struct TokenRow {
    id: i64,
    name: String,
    department_code: String,
    created_by: String,
    created_at: NaiveDateTime,
    revoked_at: Option<NaiveDateTime>,
}

impl TryFrom<TokenRow> for ServiceTokenRecord {
    type Error = StoreError;

    fn try_from(row: TokenRow) -> Result<Self, StoreError> {
        Ok(Self {
            department: row.department_code.parse().map_err(|_| {
                StoreError::internal(format!(
                    "service token {}: stored department is not valid",
                    row.id
                ))
            })?,
            id: row.id,
            name: row.name,
            created_by: row.created_by,
            created_at: row.created_at,
            revoked_at: row.revoked_at,
        })
    }
}

fn digest(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

impl Store {
    /// Issues a token for `department`; answers the record and the token, which is not kept.
    /// `recording`: the audit entry stored with it, in the same transaction.
    pub fn issue_service_token(
        &self,
        name: &str,
        department: &UnitCode,
        created_by: &str,
        recording: Option<&Recording<'_, (ServiceTokenRecord, String)>>,
    ) -> Result<(ServiceTokenRecord, String), StoreError> {
        let token = format!(
            "{TOKEN_PREFIX}{}",
            random_hex().map_err(|e| StoreError::caused("no randomness", e))?
        );
        let hash = digest(&token);
        self.write(|conn| {
            super::departments::department_id(conn, department)?;
            diesel::insert_into(service_tokens::table)
                .values((
                    service_tokens::name.eq(name),
                    service_tokens::department_code.eq(department.as_str()),
                    service_tokens::token_hash.eq(&hash),
                    service_tokens::created_by.eq(created_by),
                    service_tokens::created_at.eq(now()),
                ))
                .execute(conn)?;
            let issued = service_tokens::table
                .filter(service_tokens::token_hash.eq(&hash))
                .select(TokenRow::as_select())
                .first(conn)?
                .try_into()?;
            recorded(conn, recording, (issued, token))
        })
    }

    /// Revokes a token from its next use on. Revoking a revoked token changes nothing.
    /// `recording`: the audit entry stored with it, in the same transaction.
    pub fn revoke_service_token(
        &self,
        id: i64,
        recording: Option<&Recording<'_, ServiceTokenRecord>>,
    ) -> Result<ServiceTokenRecord, StoreError> {
        let revoked = self.write(|conn| {
            let target = service_tokens::table.filter(service_tokens::id.eq(id));
            let row: TokenRow = target
                .select(TokenRow::as_select())
                .unique_row(conn)?
                .ok_or_else(|| StoreError::NotFound(format!("service token {id}")))?;
            if row.revoked_at.is_none() {
                diesel::update(target)
                    .set(service_tokens::revoked_at.eq(now()))
                    .execute(conn)?;
            }
            let revoked = target
                .select(TokenRow::as_select())
                .first(conn)?
                .try_into()?;
            recorded(conn, recording, revoked)
        });
        self.recent_service_tokens.forget();
        revoked
    }

    /// The live (not revoked) service token that `token` is, if any.
    pub fn service_token(&self, token: &str) -> Result<Option<ServiceTokenRecord>, StoreError> {
        let hash = digest(token);
        let read_at = self.recent_service_tokens.reading();
        let record: Option<ServiceTokenRecord> = self.read(|conn| {
            service_tokens::table
                .filter(service_tokens::token_hash.eq(&hash))
                .filter(service_tokens::revoked_at.is_null())
                .select(TokenRow::as_select())
                .unique_row(conn)?
                .map(TryInto::try_into)
                .transpose()
        })?;
        if let Some(live) = &record {
            self.recent_service_tokens.keep(hash, live.clone(), read_at);
        }
        Ok(record)
    }

    /// The live service token that `token` was a moment ago (see `recent::FRESH_FOR`),
    /// without asking the database.
    pub fn recent_service_token(&self, token: &str) -> Option<ServiceTokenRecord> {
        self.recent_service_tokens.get(&digest(token))
    }
}

impl Transaction<'_> {
    pub fn list_service_tokens(&mut self) -> Result<Vec<ServiceTokenRecord>, StoreError> {
        let conn = &mut *self.conn;
        let rows: Vec<TokenRow> = service_tokens::table
            .order(service_tokens::id.asc())
            .select(TokenRow::as_select())
            .load(conn)?;
        rows.into_iter().map(TryInto::try_into).collect()
    }
}
