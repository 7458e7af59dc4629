//! `/departments` — the budget units.

use actix_web::http::header;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::error::{ApiError, Problem};
use super::extract::{DepartmentKey, JsonBody, window};
use super::responses::{AdminOnly, InvalidQuery, Unauthenticated};
use crate::app;
use crate::app::Store;
use crate::app::audit::Trail;
use crate::app::departments::DepartmentRecord;
use crate::domain::access::Caller;
use crate::domain::department::{Department, DepartmentPatch, UnitKind};
use crate::domain::values::UnitCode;

/// A department with when it was created and last changed.
#[derive(Serialize, ToSchema)]
pub struct DepartmentView {
    #[serde(flatten)]
    pub department: Department,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<DepartmentRecord> for DepartmentView {
    fn from(record: DepartmentRecord) -> Self {
        Self {
            department: record.department,
            created_at: record.created_at.and_utc(),
            updated_at: record.updated_at.and_utc(),
        }
    }
}

/// A page of departments, ordered by code.
#[derive(Serialize, ToSchema)]
pub struct DepartmentList {
    pub items: Vec<DepartmentView>,
    /// How many departments match the filter, on all pages.
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DepartmentQuery {
    /// Only the units whose parent has this code.
    pub parent: Option<UnitCode>,
    /// Only units of this kind.
    pub kind: Option<UnitKind>,
    /// How many to answer, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// How many to skip (default 0).
    #[param(minimum = 0)]
    pub offset: Option<i64>,
}

fn location(code: &UnitCode) -> (header::HeaderName, String) {
    (header::LOCATION, format!("/api/v1/departments/{code}"))
}

/// Registers a budget unit. A parent, if named, must exist already. Roles: admin.
#[utoipa::path(tag = "departments", request_body = Department, responses(
    (status = 201, description = "Created", body = DepartmentView),
    (status = 409, description = "The code is taken", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Invalid body, or unknown parent", body = Problem, content_type = "application/problem+json"),
    AdminOnly,
))]
#[post("/departments")]
pub async fn create_department(
    caller: Caller,
    store: web::Data<Store>,
    trail: Trail,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let department = app::input(body.parse::<Department>("", "department"));
    let record = super::request_id::block(move || {
        app::departments::create(&store, &trail, &caller, department)
    })
    .await??;
    Ok(HttpResponse::Created()
        .insert_header(location(&record.department.code))
        .json(DepartmentView::from(record)))
}

/// Lists budget units by code, filtered by parent and kind, a page at a time. Roles: admin,
/// reviewer, analyst (all units); unit (its own and its subordinate units).
#[utoipa::path(tag = "departments", params(DepartmentQuery), responses(
    (status = 200, description = "A page of departments", body = DepartmentList),
    Unauthenticated, InvalidQuery,
))]
#[get("/departments")]
pub async fn list_departments(
    caller: Caller,
    store: web::Data<Store>,
    query: web::Query<DepartmentQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let window = window(query.limit, query.offset)?;
    let page = super::request_id::block(move || {
        app::departments::list(&store, &caller, query.parent, query.kind, window)
    })
    .await??;
    Ok(HttpResponse::Ok().json(DepartmentList {
        items: page.items.into_iter().map(DepartmentView::from).collect(),
        total: page.total,
        limit: window.limit,
        offset: window.offset,
    }))
}

/// One budget unit. Roles: admin, reviewer, analyst; unit (its own and its subordinate units).
#[utoipa::path(tag = "departments", params(DepartmentKey), responses(
    (status = 200, description = "The department", body = DepartmentView),
    (status = 404, description = "No such department", body = Problem, content_type = "application/problem+json"),
    Unauthenticated,
))]
#[get("/departments/{code}")]
pub async fn get_department(
    caller: Caller,
    store: web::Data<Store>,
    key: DepartmentKey,
) -> Result<HttpResponse, ApiError> {
    let record =
        super::request_id::block(move || app::departments::get(&store, &caller, &key.code))
            .await??;
    Ok(HttpResponse::Ok().json(DepartmentView::from(record)))
}

/// Changes a budget unit's name, kind, funding type or parent. Fields left out stay as they
/// are; `null` clears `funding_type` or `parent_code`. The code cannot change. Roles: admin.
#[utoipa::path(tag = "departments", params(DepartmentKey),
    request_body = DepartmentPatch, responses(
    (status = 200, description = "The department as it is now", body = DepartmentView),
    (status = 404, description = "No such department", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Invalid body, unknown parent, or a parent cycle", body = Problem, content_type = "application/problem+json"),
    Unauthenticated,
))]
#[patch("/departments/{code}")]
pub async fn update_department(
    caller: Caller,
    store: web::Data<Store>,
    trail: Trail,
    key: DepartmentKey,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let patch = app::input(body.parse::<DepartmentPatch>("", "department change"));
    let record = super::request_id::block(move || {
        app::departments::change(&store, &trail, &caller, &key.code, patch)
    })
    .await??;
    Ok(HttpResponse::Ok().json(DepartmentView::from(record)))
}

/// Deletes a budget unit that has no evaluations, subordinate units, users or service tokens
/// (else 409). Roles: admin.
#[utoipa::path(tag = "departments", params(DepartmentKey), responses(
    (status = 204, description = "Deleted"),
    (status = 404, description = "No such department", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "It has evaluations or subordinate units", body = Problem, content_type = "application/problem+json"),
    Unauthenticated,
))]
#[delete("/departments/{code}")]
pub async fn delete_department(
    caller: Caller,
    store: web::Data<Store>,
    trail: Trail,
    key: DepartmentKey,
) -> Result<HttpResponse, ApiError> {
    super::request_id::block(move || app::departments::delete(&store, &trail, &caller, &key.code))
        .await??;
    Ok(HttpResponse::NoContent().finish())
}
