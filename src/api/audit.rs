//! The audit log: a middleware that records every administrative and review action and every
//! failed authentication once it is answered, and the admins' endpoint that reads it.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, HttpRequest, HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::access::require_admin;
use super::error::ApiError;
use super::extract::window;
use super::responses::{AdminOnly, InvalidQuery};
use crate::domain::access::{Caller, Username};
use crate::store::Store;
use crate::store::audit::{AuditEntry, NewAuditEntry};

/// Why a presented credential was refused, in the words the caller was answered with.
#[derive(Debug, Clone)]
pub struct AuthenticationRefused(pub String);

/// The user name a login attempt gave.
#[derive(Debug, Clone)]
pub struct LoginAttempt(pub String);

/// The writes that are administrative or review actions, by method and route, with the name
/// the log gives them.
const AUDITED: [(Method, &str, &str); 14] = [
    (Method::POST, "/api/v1/users", "user.create"),
    (Method::PATCH, "/api/v1/users/{username}", "user.update"),
    (
        Method::POST,
        "/api/v1/service-tokens",
        "service_token.issue",
    ),
    (
        Method::DELETE,
        "/api/v1/service-tokens/{id}",
        "service_token.revoke",
    ),
    (Method::POST, "/api/v1/departments", "department.create"),
    (
        Method::PATCH,
        "/api/v1/departments/{code}",
        "department.update",
    ),
    (
        Method::DELETE,
        "/api/v1/departments/{code}",
        "department.delete",
    ),
    (
        Method::PUT,
        "/api/v1/years/{year}/settings",
        "year_settings.update",
    ),
    (
        Method::POST,
        "/api/v1/departments/{code}/evaluations/{year}/submit",
        "evaluation.submit",
    ),
    (
        Method::POST,
        "/api/v1/departments/{code}/evaluations/{year}/return",
        "evaluation.return",
    ),
    (
        Method::POST,
        "/api/v1/departments/{code}/evaluations/{year}/accept",
        "evaluation.accept",
    ),
    (
        Method::POST,
        "/api/v1/departments/{code}/evaluations/{year}/publish",
        "evaluation.publish",
    ),
    (
        Method::POST,
        "/api/v1/departments/{code}/evaluations/{year}/goals/approve",
        "evaluation.approve_goals",
    ),
    (Method::POST, "/api/v1/auth/token", "login"),
];

fn outcome(status: u16) -> &'static str {
    match status {
        200..=399 => "succeeded",
        400..=499 => "refused",
        _ => "failed",
    }
}

/// Records what the answered request was, when it is one the log keeps. A log that cannot be
/// written is reported in the service's log; the answer stands.
pub async fn audit(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let address = req.peer_addr().map(|a| a.ip().to_string());
    let res = next.call(req).await?;
    let request = res.request();
    if let Some(entry) = entry_for(request, res.status().as_u16(), address)
        && let Some(store) = request.app_data::<web::Data<Store>>().cloned()
    {
        let recorded = super::request_id::block(move || {
            crate::app::administer("an audit entry", || store.record_audit(entry.clone()))
        })
        .await;
        match recorded {
            Ok(Ok(())) => {}
            Ok(Err(error)) => log::error!("the audit log could not be written: {error}"),
            Err(error) => log::error!("the audit log could not be written: {error}"),
        }
    }
    Ok(res)
}

/// What the log keeps of an answered request, if anything.
fn entry_for(request: &HttpRequest, status: u16, address: Option<String>) -> Option<NewAuditEntry> {
    let audited = request.match_pattern().and_then(|pattern| {
        AUDITED
            .iter()
            .find(|(method, route, _)| method == request.method() && *route == pattern)
            .map(|(_, _, action)| *action)
    });
    let extensions = request.extensions();
    match (audited, extensions.get::<AuthenticationRefused>()) {
        (_, Some(refused)) => Some(NewAuditEntry {
            actor: None,
            action: "authenticate".to_owned(),
            target: Some(format!("{} {}", request.method(), request.path())),
            address,
            status,
            outcome: "refused",
            detail: Some(refused.0.clone()),
        }),
        (Some("login"), None) => Some(NewAuditEntry {
            // A name that is not a user name may be a password typed in the wrong field.
            actor: extensions
                .get::<LoginAttempt>()
                .and_then(|attempt| attempt.0.parse::<Username>().ok())
                .map(|name| name.as_str().to_owned()),
            action: "login".to_owned(),
            target: None,
            address,
            status,
            outcome: outcome(status),
            detail: None,
        }),
        (Some(action), None) => Some(NewAuditEntry {
            actor: extensions
                .get::<Caller>()
                .map(|caller| caller.subject.clone()),
            action: action.to_owned(),
            target: Some(request.path().to_owned()),
            address,
            status,
            outcome: outcome(status),
            detail: None,
        }),
        (None, None) => None,
    }
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// How many to answer, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// How many to skip (default 0).
    #[param(minimum = 0)]
    pub offset: Option<i64>,
}

/// One entry of the audit log.
#[derive(Serialize, ToSchema)]
pub struct AuditEntryView {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// Who: the subject that acted (`admin`, `portal:<sub>`, `service-token:<id>`), the user
    /// name a login gave, or none when no one could be told.
    pub actor: Option<String>,
    /// What: `login`, `authenticate` (a token refused), `user.create`, `user.update`,
    /// `service_token.issue`, `service_token.revoke`, `department.create`, `department.update`,
    /// `department.delete`, `year_settings.update`, `evaluation.submit`, `evaluation.return`,
    /// `evaluation.accept`, `evaluation.publish`, `evaluation.approve_goals`.
    pub action: String,
    /// The path acted on (for `authenticate`, the request).
    pub target: Option<String>,
    /// From where: the client's address.
    pub address: Option<String>,
    /// The HTTP status answered.
    pub status: i32,
    /// `succeeded`, `refused` (4xx) or `failed` (5xx).
    pub outcome: String,
    /// Why a credential was refused.
    pub detail: Option<String>,
}

impl From<AuditEntry> for AuditEntryView {
    fn from(entry: AuditEntry) -> Self {
        Self {
            id: entry.id,
            at: entry.at.and_utc(),
            actor: entry.actor,
            action: entry.action,
            target: entry.target,
            address: entry.address,
            status: entry.status,
            outcome: entry.outcome,
            detail: entry.detail,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AuditLog {
    pub items: Vec<AuditEntryView>,
    /// How many entries there are, on all pages.
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}

/// The audit log, newest first: every administrative and review action (refused ones too)
/// and every login and refused credential — who, what, when, from where, how it ended. It
/// never holds a password or a token. Roles: admin.
#[utoipa::path(tag = "audit", params(AuditQuery), responses(
    (status = 200, description = "A page of the log", body = AuditLog),
    AdminOnly, InvalidQuery,
))]
#[get("/audit-log")]
pub async fn audit_log(
    caller: Caller,
    store: web::Data<Store>,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    require_admin(&caller)?;
    let window = window(query.limit, query.offset)?;
    let page = super::request_id::block(move || store.audit_log(window)).await??;
    Ok(HttpResponse::Ok().json(AuditLog {
        items: page.items.into_iter().map(AuditEntryView::from).collect(),
        total: page.total,
        limit: window.limit,
        offset: window.offset,
    }))
}
