//! The audit log as the api meets it: the `Trail` a change's use case writes its entry with
//! (from where, on what), the middleware that records the credentials refused before any use
//! case is reached, the client's address as the log keeps it, and the admins' endpoint that
//! reads the log. The entries of changes and logins are written by their use cases
//! (`app::audit`, `app::login`).

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{Error, FromRequest, HttpMessage, HttpRequest, HttpResponse, get, web};
use std::future::{Ready, ready};
use std::net::IpAddr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::error::{ApiError, status_of};
use super::extract::window;
use super::responses::{AdminOnly, InvalidQuery};
use crate::app::Store;
use crate::app::audit::AuditEntry;
use crate::app::audit::{AuditPolicy, Kind, Trail};
use crate::domain::access::Caller;

/// Why a credential that was shown was refused, in the words the caller was answered with;
/// left by the `Caller` extractor in the request's extensions.
#[derive(Debug, Clone)]
pub struct RefusedCredential(pub String);

/// Records a refused credential once the request is answered: it names no one, and the
/// request reached no use case. Whatever the route; a log that cannot be written is reported
/// in the service's log, and the answer stands.
pub async fn refused_credentials(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let address = req
        .peer_addr()
        .map(|peer| logged_address(peer.ip(), Kind::Anonymous));
    let res = next.call(req).await?;
    let request = res.request();
    let refused = request.extensions().get::<RefusedCredential>().cloned();
    if let Some(RefusedCredential(reason)) = refused
        && let Some(store) = request.app_data::<web::Data<Store>>().cloned()
        && let Some(policy) = request.app_data::<web::Data<AuditPolicy>>().cloned()
    {
        let target = cut(&format!("{} {}", request.method(), request.path()));
        let status = res.status().as_u16();
        super::request_id::block(move || {
            crate::app::audit::credential_refused(&store, &policy, address, target, reason, status);
        })
        .await?;
    }
    Ok(res)
}

/// The longest request path an entry keeps, in characters.
const PATH_KEPT: usize = 200;

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

/// A change's request as its audit entry keeps it: the client's address and the path.
impl FromRequest for Trail {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let trail = req
            .app_data::<web::Data<AuditPolicy>>()
            .map(|policy| Trail {
                policy: *policy.get_ref(),
                address: req.peer_addr().map(|a| logged_address(a.ip(), Kind::Own)),
                target: cut(req.path()),
                answered: status_of,
            })
            .ok_or_else(|| ApiError::internal("the audit log is not configured"));
        ready(trail)
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
    /// `department.delete`, `year_settings.update`, `evaluation.submit`, `evaluation.return`,
    /// `evaluation.accept`, `evaluation.publish`, `evaluation.approve_goals`; the edits of a
    /// report, `evaluation.replace`, `evaluation.replace_budget`, `evaluation.replace_goals`,
    /// `evaluation.replace_results`, `evaluation.replace_issues`, `evaluation.add_issue`,
    /// `evaluation.change_issue`, `evaluation.remove_issue`, `evaluation.read_form`; and of a
    /// project table, `project.replace`, `project.submit`, `project.return`, `project.accept`,
    /// `project.publish`.
    /// `indicator_library.import`, `indicator_library.remove`, `monitoring.file`,
    /// `monitoring.file_project`, `evaluation.review_score`, `evaluation.review_score.finalize`,
    /// `evaluation.review_score.reopen` (the reason in `detail`), `project.review_score`,
    /// `project.review_score.finalize`, `project.review_score.reopen`, `review_sample.draw`.
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
    /// `password reset`, `enabled → disabled`; `user.create`: the role and department; an
    /// edit: `version N` stored, or `nothing changed`), or
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

/// The audit log, newest first: every write — administrative, review and edit — that a
/// caller's token was accepted for (refused ones too), and every login and refused credential:
/// who, what, when, from where, how it ended, and what changed. A change and its entry are
/// stored together. It never holds a password or a token. Refusals that name no one are summed
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
