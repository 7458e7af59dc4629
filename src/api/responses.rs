//! The answers that many operations share — problems, and the 304 of the year tables —
//! declared once for the OpenAPI document (`responses(…, Unauthenticated)` in an operation's
//! attribute). What the document adds by
//! rule to every operation (400/408/413/415/422 where a body is read, 503 …) is
//! `openapi::finish`'s.

use utoipa::IntoResponses;

use super::error::Problem;

/// 304 for a year's table whose answer the client holds (`If-None-Match`).
#[derive(IntoResponses)]
pub enum TableNotModified {
    #[response(
        status = 304,
        description = "The answer the client holds (`If-None-Match`) is still the table's",
        headers(("ETag" = String, description = "The validator held"))
    )]
    NotModified,
}

/// 401 for an operation that needs a token.
#[derive(IntoResponses)]
pub enum Unauthenticated {
    #[response(
        status = 401,
        description = "No valid token",
        content_type = "application/problem+json"
    )]
    Unauthenticated(Problem),
}

/// 401 and 403 for an operation only admins may call.
#[derive(IntoResponses)]
pub enum AdminOnly {
    #[response(
        status = 401,
        description = "No valid token",
        content_type = "application/problem+json"
    )]
    Unauthenticated(Problem),
    #[response(
        status = 403,
        description = "Not an admin",
        content_type = "application/problem+json"
    )]
    Forbidden(Problem),
}

/// 400 for a query string that does not parse.
#[derive(IntoResponses)]
pub enum InvalidQuery {
    #[response(
        status = 400,
        description = "Invalid query",
        content_type = "application/problem+json"
    )]
    InvalidQuery(Problem),
}

/// What an edit of an evaluation may be refused with, besides its body.
#[derive(IntoResponses)]
pub enum EvaluationEdit {
    #[response(
        status = 401,
        description = "No valid token",
        content_type = "application/problem+json"
    )]
    Unauthenticated(Problem),
    #[response(
        status = 403,
        description = "The role does not change reports",
        content_type = "application/problem+json"
    )]
    Forbidden(Problem),
    #[response(
        status = 404,
        description = "No such department",
        content_type = "application/problem+json"
    )]
    NotFound(Problem),
    #[response(
        status = 409,
        description = "The evaluation is not a draft or returned",
        content_type = "application/problem+json"
    )]
    NotEditable(Problem),
    #[response(
        status = 412,
        description = "If-Match is stale",
        content_type = "application/problem+json"
    )]
    Stale(Problem),
}
