//! Errors as `application/problem+json` (RFC 9457): a stable `code` (also in `type`), a human
//! `detail`, and for invalid input the field paths. Internal causes are logged, never sent.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::AppError;
use crate::app::forms::FormRefusal;
use crate::app::{Cause, StoreError};
use serde_json::{Map, Value};

use super::language::Language;
use crate::domain::checks::Finding;
use crate::domain::evaluation::{Action, EvaluationStatus, Refusal};
use crate::domain::upload::UploadError;
use crate::domain::{FieldError, Invalid};
use crate::presentation::form::UnreadableCell;
use crate::presentation::workbook::{Stop, WorkbookError};

/// A problem report (RFC 9457 problem details).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ProblemDetails)]
pub struct Problem {
    /// `urn:perfeval:problem:<code>`; stable, one per kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary of the kind of problem, in the language of the request
    /// (`Accept-Language`; Chinese by default for form uploads and pages).
    pub title: &'static str,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong this time, in the language of the title; it never holds the code.
    pub detail: String,
    /// The stable machine-readable code, e.g. `invalid_body`.
    pub code: &'static str,
    /// For invalid input: each field that is wrong, and what is wrong with it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
    /// For a stale `If-Match`: the version that is stored now (none when nothing is stored).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_version: Option<i64>,
    /// For an action not allowed in the current state: the actions that are.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_actions: Option<Vec<Action>>,
    /// For a submission the checks block: the errors to correct.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<Finding>,
    /// For a failure of the service (5xx): `urn:perfeval:request:<id>`, the request id under
    /// which the cause is logged, as in the `X-Request-Id` header.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
}

/// One thing wrong with the input: where, a stable code of what, and the sentence saying it in
/// the language of the request.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = FieldError)]
pub struct FieldProblem {
    /// Where in the body the problem is, e.g. `goals.indicators[2].target`; for an uploaded
    /// workbook the cell (`自评表!E11`); for a library the line (`line 3, code`); empty for
    /// the body itself.
    pub path: String,
    /// What is wrong, as a stable identifier (never translated): `required`, `not_allowed`,
    /// `unknown_field`, `wrong_type`, `unknown_value`, `wrong_length`, `not_a_number`,
    /// `negative`, `too_many_digits`, `too_many_decimals`, `out_of_range`, `too_long`,
    /// `length`, `count`, `too_large`, `blank`, `nul_character`, `malformed`,
    /// `expected_object`, `too_deep`, `duplicate`, `unknown_reference`, `missing_row`,
    /// `wrong_total`, `approved_stays`, `target_approved`, `reason_too_short`,
    /// `above_weight`, `use_instead`, `cycle`, `band_order`, `unreachable_edge`,
    /// `edge_not_below`, `other_sector`, `formula`, `beyond_heading`, `unclosed_quote`, `unreadable`,
    /// `invalid`; for a cell of an uploaded table, the cell's fault (`not_an_amount`,
    /// `not_a_grade` …).
    #[schema(example = "out_of_range")]
    pub code: String,
    /// What is wrong, in words a filer understands, in the language of the request
    /// (`Accept-Language`); it never holds the code.
    pub message: String,
    /// The figures the message names, by name (e.g. `{"min": "1", "max": "500"}`); left
    /// out when there are none.
    #[serde(skip_serializing_if = "Map::is_empty")]
    #[schema(value_type = Object)]
    pub data: Map<String, Value>,
}

impl FieldProblem {
    /// `kind` (serialized as its `code` and figures) at `path`, said in `message`.
    fn of(path: String, kind: &impl Serialize, message: String) -> Self {
        let mut data = match serde_json::to_value(kind) {
            Ok(Value::Object(data)) => data,
            _ => Map::new(),
        };
        let code = match data.remove("code") {
            Some(Value::String(code)) => code,
            _ => "invalid".to_owned(),
        };
        Self {
            path,
            code,
            message,
            data,
        }
    }

    fn of_field(error: &FieldError, language: Language) -> Self {
        Self::of(
            error.path.clone(),
            &error.invalid,
            super::messages::field_message(&error.invalid, language),
        )
    }

    fn of_cell(cell: &UnreadableCell, language: Language) -> Self {
        Self::of(
            format!("{}!{}", cell.sheet, cell.cell),
            &cell.fault,
            super::messages::cell_fault(&cell.fault, language),
        )
    }
}

/// The error with the chain of its causes, for the log.
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(underneath) = cause {
        text.push_str(": ");
        text.push_str(&underneath.to_string());
        cause = underneath.source();
    }
    text
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("the body is not well-formed JSON: {0}")]
    MalformedJson(String),
    #[error("the body does not describe a valid {what}")]
    InvalidBody {
        what: &'static str,
        errors: Vec<FieldError>,
    },
    #[error("invalid request parameters")]
    InvalidParameters(Vec<FieldError>),
    /// Cells of an uploaded table that could not be read.
    #[error("{} cell(s) of the {what} could not be read", .cells.len())]
    UnreadableCells {
        what: &'static str,
        cells: Vec<UnreadableCell>,
    },
    /// A body of a type the operation does not take; says which it takes.
    #[error("the body must be {0}")]
    UnsupportedMediaType(&'static str),
    /// A file of another format than the one taken (a legacy .xls, an .ods, a CSV), with
    /// what to do.
    #[error("{0}")]
    UnsupportedFormat(String),
    /// A multipart body with no one file in it, or past one of its bounds.
    #[error("{0}")]
    InvalidMultipart(UploadError),
    #[error("the body is larger than the limit of {limit} bytes")]
    PayloadTooLarge { limit: usize },
    /// The report the change would store is larger, as JSON, than a body may be.
    #[error(
        "the report would be stored as {size} bytes of JSON, more than the limit of {limit} bytes a body may have (PERFEVAL_MAX_BODY_BYTES); nothing was stored"
    )]
    DocumentTooLarge { size: usize, limit: usize },
    #[error("the body did not arrive within {seconds} s")]
    RequestTimeout { seconds: u64 },
    /// A workbook past one of the reader's bounds; says which.
    #[error("{0}")]
    WorkbookTooLarge(String),
    /// No token, or one that is not valid; `Some` says why.
    #[error("{}", .0.as_deref().unwrap_or("this needs a bearer token (POST /api/v1/auth/token)"))]
    Unauthenticated(Option<String>),
    #[error("the user name or password is wrong, or the user is disabled")]
    InvalidCredentials,
    #[error("{0}")]
    Forbidden(String),
    /// A browser posted from a page of another site what only the service's own pages may.
    #[error("{0}")]
    CrossSite(String),
    #[error("too many failed logins; try again in {retry_after} s")]
    TooManyRequests { retry_after: u64 },
    #[error("{0} was not found")]
    NotFound(String),
    #[error("{detail}")]
    Conflict { code: &'static str, detail: String },
    #[error("an evaluation that is {} cannot be {}; allowed now: {}", .status.as_str(), .action.as_str(),
        if .allowed.is_empty() { "nothing".to_owned() } else { .allowed.iter().map(|a| a.as_str()).collect::<Vec<_>>().join(", ") })]
    IllegalTransition {
        status: EvaluationStatus,
        action: Action,
        allowed: Vec<Action>,
    },
    #[error("the checks found {} error(s) to correct before the evaluation can be submitted", .0.len())]
    Blocked(Vec<Finding>),
    #[error("{0}")]
    PreconditionRequired(String),
    #[error("{method} is not allowed here; allowed: {}", .allowed.join(", "))]
    MethodNotAllowed {
        method: String,
        allowed: Vec<String>,
    },
    /// A change that would leave the report not a report (a dangling reference …).
    #[error("the change would leave the report invalid; `errors` names each field")]
    InvalidChange(Vec<FieldError>),
    #[error("the evaluation has changed since the version named in If-Match")]
    PreconditionFailed { current: Option<i64> },
    #[error("{0}")]
    Unavailable(String),
    /// The database's disk is full; the detail names it, the log has the database's words.
    #[error(
        "the database's storage is full, so nothing was stored; the service stores again once its operators make room"
    )]
    StorageFull,
    #[error("{context}")]
    Internal {
        context: String,
        #[source]
        source: Option<Cause>,
    },
}

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        match error {
            AppError::NotFound(what) => Self::NotFound(what),
            AppError::Forbidden(why) => Self::Forbidden(why),
            AppError::PreconditionRequired(why) => Self::PreconditionRequired(why),
            AppError::Refused(refusal) => refusal.into(),
            AppError::DocumentTooLarge { size, limit } => Self::DocumentTooLarge { size, limit },
            AppError::Store(error) => error.into(),
            AppError::Invalid(refused) => match refused.downcast::<Self>() {
                Ok(refused) => *refused,
                Err(other) => match other.downcast::<FormRefusal>() {
                    Ok(refusal) => (*refusal).into(),
                    Err(other) => Self::InvalidParameters(vec![FieldError::new(
                        "",
                        Invalid::Invalid {
                            detail: other.to_string(),
                        },
                    )]),
                },
            },
            AppError::Failed { context, source } => Self::caused(context, source),
            // Nothing is granted either way; a full disk is named as such, so that operators
            // and clients read the same cause as for any other write.
            AppError::Unrecorded(StoreError::StorageFull(cause)) => {
                log::error!(
                    "the audit log could not be written: the database cannot store more: {cause}"
                );
                Self::StorageFull
            }
            AppError::Unrecorded(cause) => {
                log::error!("the audit log could not be written: {cause}");
                Self::Unavailable(
                    "the audit log cannot be written at this moment, so nothing is granted; try again shortly"
                        .to_owned(),
                )
            }
        }
    }
}

/// The status `error` is answered with (as `ApiError::from` answers it), without taking it:
/// what the audit entry of a refused change keeps.
pub fn status_of(error: &AppError) -> u16 {
    let status = match error {
        AppError::NotFound(_) => StatusCode::NOT_FOUND,
        AppError::Forbidden(_) => StatusCode::FORBIDDEN,
        AppError::PreconditionRequired(_) => StatusCode::PRECONDITION_REQUIRED,
        AppError::Refused(refusal) => match refusal {
            Refusal::Stale { .. } => StatusCode::PRECONDITION_FAILED,
            Refusal::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Refusal::NotEditable { .. }
            | Refusal::IllegalTransition { .. }
            | Refusal::Blocked(_)
            | Refusal::NoTargets { .. } => StatusCode::CONFLICT,
        },
        AppError::DocumentTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        AppError::Store(error) => match error {
            StoreError::NotFound(_) => StatusCode::NOT_FOUND,
            StoreError::Conflict { .. } => StatusCode::CONFLICT,
            StoreError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            StoreError::Contended
            | StoreError::Outage
            | StoreError::StorageFull(_)
            | StoreError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            StoreError::Internal { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        },
        AppError::Invalid(refused) => {
            if let Some(refused) = refused.downcast_ref::<ApiError>() {
                refused.answered_as().2
            } else if let Some(refusal) = refused.downcast_ref::<FormRefusal>() {
                match refusal {
                    FormRefusal::Workbook(WorkbookError::OtherFormat(_)) => {
                        StatusCode::UNSUPPORTED_MEDIA_TYPE
                    }
                    FormRefusal::Upload(_) => StatusCode::BAD_REQUEST,
                    FormRefusal::Workbook(WorkbookError::Unreadable(_)) | FormRefusal::Cells(_) => {
                        StatusCode::UNPROCESSABLE_ENTITY
                    }
                    FormRefusal::Workbook(
                        WorkbookError::TooLarge(_) | WorkbookError::Stopped(Stop::OutOfTime),
                    ) => StatusCode::PAYLOAD_TOO_LARGE,
                    FormRefusal::Workbook(WorkbookError::Stopped(Stop::Abandoned)) => {
                        StatusCode::SERVICE_UNAVAILABLE
                    }
                }
            } else {
                StatusCode::BAD_REQUEST
            }
        }
        AppError::Failed { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        AppError::Unrecorded(_) => StatusCode::SERVICE_UNAVAILABLE,
    };
    status.as_u16()
}

impl From<FormRefusal> for ApiError {
    fn from(refusal: FormRefusal) -> Self {
        let what = "self-evaluation table";
        match refusal {
            FormRefusal::Workbook(WorkbookError::OtherFormat(format)) => {
                Self::UnsupportedFormat(format.to_string())
            }
            FormRefusal::Upload(refusal) => Self::InvalidMultipart(refusal),
            FormRefusal::Workbook(WorkbookError::Unreadable(why)) => Self::InvalidBody {
                what,
                errors: vec![FieldError::new("", Invalid::Unreadable { detail: why })],
            },
            FormRefusal::Workbook(WorkbookError::TooLarge(bound)) => {
                Self::WorkbookTooLarge(bound.to_string())
            }
            FormRefusal::Workbook(WorkbookError::Stopped(stop @ Stop::OutOfTime)) => {
                Self::WorkbookTooLarge(stop.to_string())
            }
            // Nobody reads this answer: the client is gone.
            FormRefusal::Workbook(WorkbookError::Stopped(stop @ Stop::Abandoned)) => {
                Self::Unavailable(stop.to_string())
            }
            FormRefusal::Cells(cells) => Self::UnreadableCells { what, cells },
        }
    }
}

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::Stale { current } => Self::PreconditionFailed { current },
            Refusal::NotEditable { subject, status } => Self::Conflict {
                code: "evaluation_not_editable",
                detail: format!(
                    "{subject} is {status} and cannot be changed; only drafts and returned evaluations can"
                ),
            },
            Refusal::Invalid(errors) => Self::InvalidChange(errors),
            Refusal::IllegalTransition {
                status,
                action,
                allowed,
            } => Self::IllegalTransition {
                status,
                action,
                allowed,
            },
            Refusal::Blocked(findings) => Self::Blocked(findings),
            Refusal::NoTargets { subject } => Self::Conflict {
                code: "no_targets",
                detail: format!("{subject} has no indicators to approve"),
            },
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound(what) => Self::NotFound(what),
            StoreError::Conflict { code, detail } => Self::Conflict { code, detail },
            StoreError::Invalid(errors) => Self::InvalidChange(errors),
            StoreError::Contended => Self::Unavailable(
                "the record is being changed by others at this moment; try again".to_owned(),
            ),
            StoreError::Outage => {
                Self::Unavailable("the database is unavailable; try again shortly".to_owned())
            }
            StoreError::StorageFull(cause) => {
                log::error!("the database cannot store more: {cause}");
                Self::StorageFull
            }
            StoreError::Unavailable(cause) => {
                log::error!("database unavailable: {cause}");
                Self::Unavailable("the database is unavailable; try again shortly".to_owned())
            }
            internal @ StoreError::Internal { .. } => Self::caused("storage failed", internal),
        }
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(error: actix_web::error::BlockingError) -> Self {
        Self::caused("blocking task failed", error)
    }
}

impl ApiError {
    /// Something that cannot be so, in the service itself.
    pub fn internal(context: impl Into<String>) -> Self {
        Self::Internal {
            context: context.into(),
            source: None,
        }
    }

    /// A failure of something underneath, with what was being done.
    pub fn caused(context: impl Into<String>, source: impl Into<Cause>) -> Self {
        Self::Internal {
            context: context.into(),
            source: Some(source.into()),
        }
    }

    /// The one table of what each error is answered as: its stable code, its title and its
    /// status.
    fn answered_as(&self) -> (&'static str, &'static str, StatusCode) {
        use StatusCode as S;
        match self {
            Self::MalformedJson(_) => ("malformed_json", "Malformed JSON", S::BAD_REQUEST),
            Self::InvalidBody { .. } | Self::UnreadableCells { .. } => {
                ("invalid_body", "Invalid body", S::UNPROCESSABLE_ENTITY)
            }
            Self::InvalidParameters(_) => {
                ("invalid_parameters", "Invalid parameters", S::BAD_REQUEST)
            }
            Self::UnsupportedMediaType(_) => (
                "unsupported_media_type",
                "Unsupported media type",
                S::UNSUPPORTED_MEDIA_TYPE,
            ),
            Self::UnsupportedFormat(_) => (
                "save_as_xlsx",
                "Not an XLSX workbook",
                S::UNSUPPORTED_MEDIA_TYPE,
            ),
            Self::InvalidMultipart(_) => (
                "invalid_multipart",
                "Invalid multipart body",
                S::BAD_REQUEST,
            ),
            Self::PayloadTooLarge { .. } => {
                ("payload_too_large", "Body too large", S::PAYLOAD_TOO_LARGE)
            }
            Self::DocumentTooLarge { .. } => (
                "document_too_large",
                "Report too large",
                S::PAYLOAD_TOO_LARGE,
            ),
            Self::RequestTimeout { .. } => {
                ("request_timeout", "Request timeout", S::REQUEST_TIMEOUT)
            }
            Self::WorkbookTooLarge(_) => (
                "workbook_too_large",
                "Workbook too large",
                S::PAYLOAD_TOO_LARGE,
            ),
            Self::Unauthenticated(_) => ("unauthenticated", "Unauthenticated", S::UNAUTHORIZED),
            Self::InvalidCredentials => (
                "invalid_credentials",
                "Invalid credentials",
                S::UNAUTHORIZED,
            ),
            Self::Forbidden(_) => ("forbidden", "Forbidden", S::FORBIDDEN),
            Self::CrossSite(_) => (
                "cross_site_request",
                "Cross-site request refused",
                S::FORBIDDEN,
            ),
            Self::TooManyRequests { .. } => (
                "too_many_requests",
                "Too many requests",
                S::TOO_MANY_REQUESTS,
            ),
            Self::NotFound(_) => ("not_found", "Not found", S::NOT_FOUND),
            Self::Conflict { code, .. } => (code, "Conflict", S::CONFLICT),
            Self::IllegalTransition { .. } => (
                "illegal_transition",
                "Not allowed in this state",
                S::CONFLICT,
            ),
            Self::Blocked(_) => (
                "findings_block_submission",
                "The checks found errors",
                S::CONFLICT,
            ),
            Self::PreconditionFailed { .. } => (
                "precondition_failed",
                "Precondition failed",
                S::PRECONDITION_FAILED,
            ),
            Self::PreconditionRequired(_) => (
                "precondition_required",
                "Precondition required",
                S::PRECONDITION_REQUIRED,
            ),
            Self::MethodNotAllowed { .. } => (
                "method_not_allowed",
                "Method not allowed",
                S::METHOD_NOT_ALLOWED,
            ),
            Self::InvalidChange(_) => ("invalid_body", "Invalid change", S::UNPROCESSABLE_ENTITY),
            Self::Unavailable(_) => ("unavailable", "Service unavailable", S::SERVICE_UNAVAILABLE),
            Self::StorageFull => ("storage_full", "Storage full", S::SERVICE_UNAVAILABLE),
            Self::Internal { .. } => ("internal_error", "Internal error", S::INTERNAL_SERVER_ERROR),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.answered_as().2
    }

    fn error_response(&self) -> HttpResponse {
        let (code, title, status) = self.answered_as();
        if let Self::Internal { .. } = self {
            log::error!("internal error: {}", with_causes(self));
        }
        let language = super::language::current();
        let (title, detail) = match language {
            Language::Zh => super::messages::problem_zh(self),
            Language::En => (
                title,
                match self {
                    Self::Internal { .. } => "the service failed to answer this request; the cause has been logged under the request id in `instance`".to_owned(),
                    Self::NotFound(what) => format!("{what} was not found"),
                    other => other.to_string(),
                },
            ),
        };
        let (errors, current_version) = match self {
            Self::InvalidBody { errors, .. }
            | Self::InvalidParameters(errors)
            | Self::InvalidChange(errors) => (
                errors
                    .iter()
                    .map(|error| FieldProblem::of_field(error, language))
                    .collect(),
                None,
            ),
            Self::UnreadableCells { cells, .. } => (
                cells
                    .iter()
                    .map(|cell| FieldProblem::of_cell(cell, language))
                    .collect(),
                None,
            ),
            Self::PreconditionFailed { current } => (Vec::new(), *current),
            _ => (Vec::new(), None),
        };
        let problem = Problem {
            instance: status
                .is_server_error()
                .then(super::request_id::current)
                .flatten()
                .map(|id| format!("urn:perfeval:request:{id}")),
            kind: format!("urn:perfeval:problem:{code}"),
            title,
            status: status.as_u16(),
            detail,
            code,
            errors,
            current_version,
            allowed_actions: match self {
                Self::IllegalTransition { allowed, .. } => Some(allowed.clone()),
                _ => None,
            },
            findings: match self {
                Self::Blocked(findings) => findings.clone(),
                _ => Vec::new(),
            },
        };
        let mut response = HttpResponse::build(status);
        response.content_type("application/problem+json");
        match self {
            Self::Unavailable(_) => {
                response.insert_header((header::RETRY_AFTER, HeaderValue::from_static("1")));
            }
            // Room is not made in a second: clients need not try again at once.
            Self::StorageFull => {
                response.insert_header((header::RETRY_AFTER, HeaderValue::from_static("30")));
            }
            Self::MethodNotAllowed { allowed, .. } => {
                response.insert_header((header::ALLOW, allowed.join(", ")));
            }
            // The rest of the body may still come; the connection cannot carry another request.
            Self::RequestTimeout { .. } => {
                response.force_close();
            }
            Self::TooManyRequests { retry_after } => {
                response.insert_header((header::RETRY_AFTER, retry_after.to_string()));
            }
            Self::Unauthenticated(reason) => {
                let challenge = match reason {
                    None => r#"Bearer realm="perfeval""#.to_owned(),
                    Some(_) => r#"Bearer realm="perfeval", error="invalid_token""#.to_owned(),
                };
                response.insert_header((header::WWW_AUTHENTICATE, challenge));
            }
            _ => {}
        }
        response.json(problem)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::upload::UploadError;
    use crate::presentation::workbook::Bound;

    #[test]
    fn an_action_whose_audit_entry_met_a_full_disk_is_answered_storage_full() {
        let full = ApiError::from(AppError::Unrecorded(StoreError::StorageFull(
            "database or disk is full".to_owned(),
        )));
        assert_eq!(full.answered_as().0, "storage_full");
        let answer = full.error_response();
        assert_eq!(answer.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            answer.headers().get(header::RETRY_AFTER),
            Some(&HeaderValue::from_static("30"))
        );
        let other = ApiError::from(AppError::Unrecorded(StoreError::Contended));
        assert_eq!(other.answered_as().0, "unavailable");
    }

    #[test]
    fn a_refusal_is_recorded_with_the_status_it_is_answered_with() {
        let errors = || -> Vec<AppError> {
            vec![
                AppError::NotFound("x".to_owned()),
                AppError::Forbidden("x".to_owned()),
                AppError::PreconditionRequired("x".to_owned()),
                AppError::Refused(Refusal::Stale { current: Some(2) }),
                AppError::Refused(Refusal::Invalid(Vec::new())),
                AppError::Refused(Refusal::NoTargets {
                    subject: "x".to_owned(),
                }),
                AppError::DocumentTooLarge { size: 2, limit: 1 },
                AppError::Store(StoreError::Conflict {
                    code: "x",
                    detail: "x".to_owned(),
                }),
                AppError::Store(StoreError::Contended),
                AppError::Store(StoreError::internal("x")),
                AppError::Invalid(Box::new(ApiError::PayloadTooLarge { limit: 1 })),
                AppError::Invalid(Box::new(ApiError::MalformedJson("x".to_owned()))),
                AppError::Invalid(Box::new(FormRefusal::Upload(UploadError::TooManyParts))),
                AppError::Invalid(Box::new(FormRefusal::Workbook(WorkbookError::TooLarge(
                    Bound::Entries,
                )))),
                AppError::Invalid(Box::new(FormRefusal::Cells(Vec::new()))),
                AppError::Unrecorded(StoreError::Contended),
                AppError::Unrecorded(StoreError::StorageFull("x".to_owned())),
            ]
        };
        for (recorded, answered) in errors().iter().zip(errors()) {
            assert_eq!(
                status_of(recorded),
                ApiError::from(answered).status_code().as_u16(),
                "{recorded:?}"
            );
        }
    }
}
