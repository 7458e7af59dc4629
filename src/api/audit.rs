//! The audit log: a middleware that records every administrative and review action and every
//! failed authentication once it is answered, and the admins' endpoint that reads it. A login
//! whose password was checked is recorded by the login itself, before it is answered.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, HttpRequest, HttpResponse, get, web};
use std::net::IpAddr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::error::ApiError;
use super::extract::window;
use super::responses::{AdminOnly, InvalidQuery};
use crate::app::Store;
use crate::app::audit::{AuditEntry, NewAuditEntry};
use crate::app::audit::{AuditPolicy, Kind};
use crate::domain::access::Caller;

/// Why a presented credential was refused, in the words the caller was answered with.
#[derive(Debug, Clone)]
pub struct AuthenticationRefused(pub String);

/// What an action changed, in words for the log (never a secret).
#[derive(Debug, Clone)]
pub struct AuditDetail(pub String);

/// The handler has recorded the request itself (a login whose password was checked).
#[derive(Debug, Clone, Copy)]
pub struct Recorded;

/// What a login refused before its password was checked is recorded as.
pub const CROSS_SITE_LOGIN: &str = "a login posted by a page of another site was refused";
const LOGIN_THROTTLED: &str = "too many failed logins from this address";
const LOGIN_UNREAD: &str = "the login was refused before its password was checked";

/// The longest request path an entry keeps, in characters.
const PATH_KEPT: usize = 200;

/// The writes that are administrative or review actions, by method and route, with the name
/// the log gives them.
const AUDITED: [(Method, &str, &str); 19] = [
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
    (
        Method::PUT,
        "/api/v1/years/{year}/library",
        "indicator_library.import",
    ),
    (
        Method::DELETE,
        "/api/v1/years/{year}/library",
        "indicator_library.remove",
    ),
    (
        Method::PUT,
        "/api/v1/departments/{code}/monitoring/{year}/{period}",
        "monitoring.file",
    ),
    (
        Method::PUT,
        "/api/v1/departments/{code}/monitoring/{year}/{period}/projects/{project}",
        "monitoring.file_project",
    ),
    (
        Method::PUT,
        "/api/v1/departments/{code}/evaluations/{year}/review-score",
        "evaluation.review_score",
    ),
];

fn outcome(status: u16) -> &'static str {
    match status {
        200..=399 => "succeeded",
        400..=499 => "refused",
        _ => "failed",
    }
}

/// Records what the answered request was, when it is one the log keeps. A log that cannot be
/// written is reported in the service's log; the answer stands (a login is recorded before it
/// is answered, and refused when it cannot be).
pub async fn audit(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let peer = req.peer_addr().map(|a| a.ip());
    let res = next.call(req).await?;
    let request = res.request();
    if let Some((entry, kind)) = entry_for(request, res.status().as_u16(), peer)
        && let Some(store) = request.app_data::<web::Data<Store>>().cloned()
        && let Some(policy) = request.app_data::<web::Data<AuditPolicy>>().cloned()
    {
        let recorded = super::request_id::block(move || {
            crate::app::audit::record(&store, &policy, &entry, kind)
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

/// The client's address as the log keeps it. Anonymous refusals are summed per address, and an
/// IPv6 client commonly holds a whole /64: for them it is the network.
pub fn logged_address(peer: IpAddr, kind: Kind) -> String {
    match peer {
        IpAddr::V6(v6) if kind == Kind::Anonymous && v6.to_ipv4_mapped().is_none() => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map_or_else(|| v6.to_string(), |v4| v4.to_string()),
        IpAddr::V4(v4) => v4.to_string(),
    }
}

/// At most `PATH_KEPT` characters of `text`, marked when cut.
fn cut(text: &str) -> String {
    match text.char_indices().nth(PATH_KEPT) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// What the log keeps of an answered request, if anything, and how.
fn entry_for(
    request: &HttpRequest,
    status: u16,
    peer: Option<IpAddr>,
) -> Option<(NewAuditEntry, Kind)> {
    let audited = request.match_pattern().and_then(|pattern| {
        AUDITED
            .iter()
            .find(|(method, route, _)| method == request.method() && *route == pattern)
            .map(|(_, _, action)| *action)
    });
    let extensions = request.extensions();
    if extensions.get::<Recorded>().is_some() {
        return None;
    }
    let entry = |kind: Kind, actor, action: &str, target, detail| {
        let entry = NewAuditEntry {
            actor,
            action: action.to_owned(),
            target,
            address: peer.map(|peer| logged_address(peer, kind)),
            status,
            outcome: outcome(status),
            detail,
        };
        Some((entry, kind))
    };
    match (audited, extensions.get::<AuthenticationRefused>()) {
        // A refused token names no one that can be told: summed per address.
        (_, Some(refused)) => entry(
            Kind::Anonymous,
            None,
            "authenticate",
            Some(cut(&format!("{} {}", request.method(), request.path()))),
            Some(refused.0.clone()),
        ),
        // A login answered before its password was checked: whatever name it gave is not
        // known to be anyone's, and is not kept.
        (Some("login"), None) => entry(
            Kind::Anonymous,
            None,
            "login",
            None,
            Some(
                match status {
                    403 => CROSS_SITE_LOGIN,
                    429 => LOGIN_THROTTLED,
                    _ => LOGIN_UNREAD,
                }
                .to_owned(),
            ),
        ),
        (Some(action), None) => entry(
            Kind::Own,
            extensions
                .get::<Caller>()
                .map(|caller| caller.subject.clone()),
            action,
            Some(cut(request.path())),
            extensions
                .get::<AuditDetail>()
                .map(|detail| detail.0.clone()),
        ),
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
    /// a login named when that user exists, or none when no one could be told (an unknown
    /// login name is never kept: `detail` says "unknown user").
    pub actor: Option<String>,
    /// What: `login`, `authenticate` (a token refused), `user.create`, `user.update`,
    /// `service_token.issue`, `service_token.revoke`, `department.create`, `department.update`,
    /// `department.delete`, `year_settings.update`, `indicator_library.import`,
    /// `indicator_library.remove`, `evaluation.submit`, `evaluation.return`,
    /// `evaluation.accept`, `evaluation.publish`, `evaluation.approve_goals`,
    /// `monitoring.file`, `monitoring.file_project`, `evaluation.review_score`.
    pub action: String,
    /// The path acted on (for `authenticate`, the request).
    pub target: Option<String>,
    /// From where: the client's address (for summed refusals from IPv6, its /64 network).
    pub address: Option<String>,
    /// The HTTP status answered.
    pub status: i32,
    /// `succeeded`, `refused` (4xx) or `failed` (5xx).
    pub outcome: String,
    /// What changed (`user.update`: `role: unit → admin`, `department: 001 → none`,
    /// `password reset`, `enabled → disabled`; `user.create`: the role and department), or
    /// why a credential or login was refused (`wrong password`, `unknown user`, the token's
    /// fault …). Never a secret.
    pub detail: Option<String>,
    /// How many requests the entry stands for: 1, or, for refusals that name no one (a bad
    /// token, an unknown user name, a login refused before its password was checked), how many
    /// of that kind came from the address in the 10 minutes from `at`.
    pub occurrences: i32,
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
            occurrences: entry.occurrences,
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
/// and every login and refused credential — who, what, when, from where, how it ended, and
/// what changed. It never holds a password or a token. Refusals that name no one are summed
/// per address over 10 minutes (`occurrences`); entries older than
/// `PERFEVAL_AUDIT_RETENTION_DAYS` are removed. Roles: admin.
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
    let asked = crate::app::input(window(query.limit, query.offset));
    let (page, window) =
        super::request_id::block(move || crate::app::audit::log(&store, &caller, asked)).await??;
    Ok(HttpResponse::Ok().json(AuditLog {
        items: page.items.into_iter().map(AuditEntryView::from).collect(),
        total: page.total,
        limit: window.limit,
        offset: window.offset,
    }))
}
