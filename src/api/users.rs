//! `/users` and `/service-tokens` — who may use the service. Roles: admin.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::error::{ApiError, Problem};
use super::extract::{JsonBody, path_parameter};
use super::responses::AdminOnly;
use crate::app;
use crate::app::Store;
use crate::app::audit::Trail;
use crate::app::users::{NewUser, ServiceTokenRecord, UserChange, UserRecord};
use crate::domain::access::{Caller, Password, Role, Username};
use crate::domain::report::present;
use crate::domain::values::{Label, UnitCode};

/// A user, without any secret.
#[derive(Serialize, ToSchema)]
pub struct UserView {
    pub username: Username,
    pub role: Role,
    /// For unit users: the department they are bound to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub department: Option<UnitCode>,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<UserRecord> for UserView {
    fn from(user: UserRecord) -> Self {
        Self {
            username: user.username,
            role: user.role,
            department: user.department,
            disabled: user.disabled,
            created_at: user.created_at.and_utc(),
            updated_at: user.updated_at.and_utc(),
        }
    }
}

/// Every user, by name.
#[derive(Serialize, ToSchema)]
pub struct UserList {
    pub items: Vec<UserView>,
    pub total: usize,
}

/// Every service token, revoked ones included.
#[derive(Serialize, ToSchema)]
pub struct ServiceTokenList {
    pub items: Vec<ServiceTokenView>,
    pub total: usize,
}

/// A new user. A unit user names its department; the bureau's roles name none.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserBody {
    pub username: Username,
    /// 10 to 256 characters.
    pub password: Password,
    pub role: Role,
    #[serde(default)]
    pub department: Option<UnitCode>,
}

/// Changes to a user; fields left out stay as they are. A new password, role or department,
/// or disabling, ends the user's current tokens.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    #[serde(default)]
    pub role: Option<Role>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub department: Option<Option<UnitCode>>,
    #[serde(default)]
    pub disabled: Option<bool>,
    #[serde(default)]
    pub password: Option<Password>,
}

/// Lists users by name. Roles: admin.
#[utoipa::path(tag = "users", responses(
        (status = 200, description = "All users", body = UserList),
    AdminOnly,
))]
#[get("/users")]
pub async fn list_users(caller: Caller, store: web::Data<Store>) -> Result<HttpResponse, ApiError> {
    let users = super::request_id::block(move || app::users::list(&store, &caller)).await??;
    Ok(HttpResponse::Ok().json(UserList {
        total: users.len(),
        items: users.into_iter().map(UserView::from).collect(),
    }))
}

/// Creates a user. Roles: admin.
#[utoipa::path(tag = "users", request_body = NewUserBody, responses(
    (status = 201, description = "Created", body = UserView),
    (status = 409, description = "The name is taken", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Invalid body", body = Problem, content_type = "application/problem+json"),
    AdminOnly,
))]
#[post("/users")]
pub async fn create_user(
    caller: Caller,
    store: web::Data<Store>,
    trail: Trail,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let user = app::input(body.parse::<NewUserBody>("", "user").map(|body| NewUser {
        username: body.username,
        password: body.password,
        role: body.role,
        department: body.department,
    }));
    let created =
        super::request_id::block(move || app::users::create_user(&store, &trail, &caller, user))
            .await??;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/users/{}", created.username),
        ))
        .json(UserView::from(created)))
}

/// One user. Roles: admin.
#[utoipa::path(tag = "users", params(("username" = Username, Path)), responses(
    (status = 200, description = "The user", body = UserView),
    (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
    AdminOnly,
))]
#[get("/users/{username}")]
pub async fn get_user(
    caller: Caller,
    store: web::Data<Store>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let username = app::input(path_parameter::<Username>(&req, "username"));
    let user =
        super::request_id::block(move || app::users::get(&store, &caller, username)).await??;
    Ok(HttpResponse::Ok().json(UserView::from(user)))
}

/// Changes a user's role, department, password, or disables it; the change ends the user's
/// current tokens from their next request. Roles: admin.
#[utoipa::path(tag = "users", params(("username" = Username, Path)), request_body = UserPatch, responses(
    (status = 200, description = "The user as it is now", body = UserView),
    (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Invalid body", body = Problem, content_type = "application/problem+json"),
    AdminOnly,
))]
#[patch("/users/{username}")]
pub async fn update_user(
    caller: Caller,
    store: web::Data<Store>,
    trail: Trail,
    req: HttpRequest,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let input = app::input(
        path_parameter::<Username>(&req, "username").and_then(|username| {
            let patch: UserPatch = body.parse("", "user change")?;
            let change = UserChange {
                role: patch.role,
                department: patch.department,
                disabled: patch.disabled,
                password: patch.password,
            };
            Ok((username, change))
        }),
    );
    let user =
        super::request_id::block(move || app::users::change_user(&store, &trail, &caller, input))
            .await??;
    Ok(HttpResponse::Ok().json(UserView::from(user)))
}

/// A service token, without the token itself.
#[derive(Serialize, ToSchema)]
pub struct ServiceTokenView {
    pub id: i64,
    pub name: String,
    /// The department whose unit system uses it; it acts with the unit role.
    pub department: UnitCode,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<ServiceTokenRecord> for ServiceTokenView {
    fn from(record: ServiceTokenRecord) -> Self {
        Self {
            id: record.id,
            name: record.name,
            department: record.department,
            created_by: record.created_by,
            created_at: record.created_at.and_utc(),
            revoked_at: record.revoked_at.map(|at| at.and_utc()),
        }
    }
}

/// A newly issued service token: `token` is shown this once and never again.
#[derive(Serialize, ToSchema)]
pub struct IssuedServiceToken {
    #[serde(flatten)]
    pub record: ServiceTokenView,
    /// Send as `Authorization: Bearer <token>`. Keep it secret; it is not stored.
    pub token: String,
}

/// A new service token for a unit's system.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewServiceToken {
    /// What uses it, e.g. 单位财务系统.
    pub name: Label,
    pub department: UnitCode,
}

/// Lists service tokens, revoked ones included. Roles: admin.
#[utoipa::path(tag = "users", responses(
        (status = 200, description = "All service tokens", body = ServiceTokenList),
    AdminOnly,
))]
#[get("/service-tokens")]
pub async fn list_service_tokens(
    caller: Caller,
    store: web::Data<Store>,
) -> Result<HttpResponse, ApiError> {
    let tokens =
        super::request_id::block(move || app::users::list_tokens(&store, &caller)).await??;
    Ok(HttpResponse::Ok().json(ServiceTokenList {
        total: tokens.len(),
        items: tokens.into_iter().map(ServiceTokenView::from).collect(),
    }))
}

/// Issues a long-lived token bound to one department, for that unit's own system; it acts
/// with the unit role. The token is in this answer only. Roles: admin.
#[utoipa::path(tag = "users", request_body = NewServiceToken, responses(
    (status = 201, description = "Issued", body = IssuedServiceToken),
    (status = 404, description = "No such department", body = Problem, content_type = "application/problem+json"),
    AdminOnly,
))]
#[post("/service-tokens")]
pub async fn issue_service_token(
    caller: Caller,
    store: web::Data<Store>,
    trail: Trail,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let input = app::input(
        body.parse::<NewServiceToken>("", "service token")
            .map(|body| (body.name, body.department)),
    );
    let (record, token) =
        super::request_id::block(move || app::users::issue_token(&store, &trail, &caller, input))
            .await??;
    Ok(HttpResponse::Created()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((
            header::LOCATION,
            format!("/api/v1/service-tokens/{}", record.id),
        ))
        .json(IssuedServiceToken {
            record: record.into(),
            token,
        }))
}

/// Revokes a service token: its next request is refused. Roles: admin.
#[utoipa::path(tag = "users", params(("id" = i64, Path)), responses(
    (status = 200, description = "Revoked", body = ServiceTokenView),
    (status = 404, description = "No such token", body = Problem, content_type = "application/problem+json"),
    AdminOnly,
))]
#[delete("/service-tokens/{id}")]
pub async fn revoke_service_token(
    caller: Caller,
    store: web::Data<Store>,
    trail: Trail,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let id = app::input(path_parameter::<i64>(&req, "id"));
    let record =
        super::request_id::block(move || app::users::revoke_token(&store, &trail, &caller, id))
            .await??;
    Ok(HttpResponse::Ok().json(ServiceTokenView::from(record)))
}
