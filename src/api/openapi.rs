//! The OpenAPI document: what the derive macros say of each operation, finished by the rules
//! that hold for every operation alike, so that the document states every answer the service
//! can give and client generators read it as the service means it.
//!
//! The rules are taken from how requests are read (see `extract.rs` and `auth.rs`):
//! - an operation that needs a token can answer 401 (no valid token) and 403 (no right);
//! - one that reads a body can answer 400 (malformed JSON), 413, 415 and 422;
//! - one with parameters can answer 400 (invalid parameters); one with path parameters, 404;
//! - one that reads a body can answer 408 when it does not arrive in time;
//! - every one but `/healthz` can answer 503 with `Retry-After` while the database is
//!   unreachable or busy (the caller is checked against it on every request), or full;
//! - a table that takes `format` (json, csv, xlsx) answers CSV and XLSX besides JSON;
//! - a workbook, in a request (as its type or `application/octet-stream`) or an answer, is
//!   binary.
//!
//! Unsigned 32-bit numbers get their true range (utoipa writes them as `int32`).
//!
//! Schemas are made plain for generators: a single-member `oneOf` (utoipa's way of giving a
//! reference a description or a default) becomes the reference itself, and an `allOf` of
//! objects (utoipa's `serde(flatten)`) becomes one object.

use serde_json::{Map, Value, json};
use utoipa::OpenApi;
use utoipa::openapi::security::{
    Flow, HttpAuthScheme, HttpBuilder, OAuth2, Password, Scopes, SecurityScheme,
};
use utoipa::{Modify, openapi};

use super::export::XLSX;
use crate::domain::upload::MAX_PARTS;

/// Where the token endpoint is, for the OAuth 2.0 password flow of the docs UI.
pub const TOKEN_URL: &str = "/api/v1/auth/token";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "perfeval",
        description = "Departmental expenditure performance self-evaluations (部门整体支出绩效自评): \
budget units post their annual reports; the finance bureau (财政局) reads, checks, scores, compares \
and publishes them.\n\n\
Conventions: money is in 万元 (10,000 CNY) as decimal strings with at most six decimal places \
(`\"1659.36\"`), never as JSON numbers; scores and weights are points out of 100, also as decimal \
strings; staff counts are whole persons. Errors are `application/problem+json` (RFC 9457) with a \
stable `code` and, for invalid input, `errors[]` naming each field path. Every write of an \
evaluation answers its new `version` and an `ETag`; send the ETag back as `If-Match` to avoid \
overwriting someone else's change (412 when stale).\n\n\
Access: send `Authorization: Bearer <token>` — a login token from `POST /api/v1/auth/token`, a \
service token of a unit system, or a token signed by the bureau's portal. In this page, \
**Authorize** logs in with a user name and password (the `password` scheme) or takes a token \
(the `bearer` scheme). Each operation names the roles it allows. A unit sees only its own \
department and its subordinate units; anything else is answered as if it did not exist (404).",
    ),
    servers((url = "/", description = "This service")),
    modifiers(&SecuritySchemes),
    security(("bearer" = []), ("password" = [])),
    components(schemas(super::export::Format, super::export::Lang, super::comparisons::SortOrder, super::publishing::DocumentKind, crate::domain::project::ProjectSort, crate::domain::project::ExecutionBand, crate::domain::project::Direction, crate::domain::monitoring::WarningSort, crate::domain::monitoring::ForecastSort, super::monitoring::MonitoringListFormat, super::result_application::NoticeFormat)),
    tags(
        (name = "auth", description = "Logging in and who the caller is"),
        (name = "users", description = "Users and service tokens (admins)"),
        (name = "audit", description = "审计日志 — who did what, when, from where (admins)"),
        (name = "departments", description = "部门 — the budget units"),
        (name = "evaluations", description = "部门整体支出绩效自评 — the self-evaluation reports, whole or by part"),
        (name = "review", description = "审核 — checks, scores, the review cycle and history of one evaluation"),
        (name = "years", description = "年度 — the year's weights, deadline and collection progress"),
        (name = "projects", description = "项目支出绩效自评表 — a unit's project tables of a year, one per project in the same review cycle as the departmental report, their scores and findings, and every project of a year compared"),
        (name = "monitoring", description = "绩效运行监控 — a unit's mid-year monitoring of its departmental budget and each project against the approved targets, and the bureau's warning list of a period"),
        (name = "results", description = "评价结果应用 — the year's grade bands and what each grade means for next year's budget, rectification items (整改) from a review or the unit's problems, last year's items beside this year's report, and the year's notice (通报)"),
        (name = "comparisons", description = "比较分析 — units side by side, trends, deviation, unmet goals, grades; JSON, CSV or XLSX"),
        (name = "public", description = "公开 — the published reports, open to anyone"),
        (name = "health", description = "Liveness and readiness"),
    )
)]
pub struct ApiDoc;

/// A token sent as it is (`bearer`), or one the docs UI gets by logging in (`password`).
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT, or a pev_… service token")
                    .description(Some(
                        "A login token, a service token (`pev_…`) or a portal token",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "password",
            SecurityScheme::OAuth2(OAuth2::with_description(
                [Flow::Password(Password::new(TOKEN_URL, Scopes::new()))],
                "Log in with a user name and password (OAuth 2.0 password grant, \
                 `application/x-www-form-urlencoded`); the answer's `access_token` is sent as \
                 a bearer token",
            )),
        );
    }
}

/// The document as the service serves it.
pub fn finish(document: openapi::OpenApi) -> openapi::OpenApi {
    let mut value = match serde_json::to_value(&document) {
        Ok(value) => value,
        Err(_) => return document,
    };
    let schemas = value["components"]["schemas"].clone();
    if let Some(paths) = value.get_mut("paths").and_then(Value::as_object_mut) {
        for (path, item) in paths.iter_mut() {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            for operation in item.values_mut() {
                if let Some(operation) = operation.as_object_mut() {
                    complete_operation(path, operation);
                }
            }
        }
    }
    if let Some(components) = value["components"]["schemas"].as_object_mut() {
        for schema in components.values_mut() {
            plain_schema(schema, &schemas);
        }
        // A multipart body is read to at most MAX_PARTS parts: the fields a form adds beside
        // the file are bounded in the document as the service bounds them, each one text part.
        if let Some(upload) = components
            .get_mut("FormUpload")
            .and_then(Value::as_object_mut)
        {
            upload.insert("maxProperties".to_owned(), json!(MAX_PARTS));
            upload.insert("additionalProperties".to_owned(), json!({"type": "string"}));
        }
    }
    if let Some(paths) = value.get_mut("paths").and_then(Value::as_object_mut) {
        file_operations(paths);
    }
    if let Some(paths) = value.get_mut("paths") {
        plain_schema(paths, &schemas);
        report_examples(paths);
    }
    serde_json::from_value(value).unwrap_or(document)
}

/// The file suffixes of a table's file representations, with the media type each answers
/// and the `format` it stands for.
pub const FILE_SUFFIXES: [(&str, &str, &str); 2] =
    [(".csv", "text/csv", "csv"), (".xlsx", XLSX, "xlsx")];

/// Each table that answers JSON, and CSV or XLSX by `format`, also as operations of their
/// own, `{path}.csv` and `{path}.xlsx` (the same answer as `?format=csv` and `?format=xlsx`,
/// which keep working): client generators pick one schema per answer, and under one
/// operation they read the file as the JSON table. A table whose path ends in a parameter
/// (an indicator's code may end in `.csv`) keeps the query form only.
fn file_operations(paths: &mut Map<String, Value>) {
    let mut added = Vec::new();
    for (path, item) in paths.iter() {
        let Some(get) = item.get("get").and_then(Value::as_object) else {
            continue;
        };
        if path.ends_with('}') || !takes_format(get) {
            continue;
        }
        let content = &get["responses"]["200"]["content"];
        if content.get("application/json").is_none() {
            continue;
        }
        for (suffix, media, format) in FILE_SUFFIXES {
            let Some(file) = content.get(media) else {
                continue;
            };
            let mut operation = get.clone();
            if let Some(Value::Array(parameters)) = operation.get_mut("parameters") {
                parameters.retain(|p| p["name"] != "format");
            }
            if let Some(Value::String(id)) = operation.get_mut("operationId") {
                id.push('_');
                id.push_str(format);
            }
            let description = operation
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            operation.insert(
                "description".to_owned(),
                json!(format!(
                    "{description}\n\nThis operation answers the table as {} only: the same as `{path}?format={format}`.",
                    format.to_uppercase()
                )),
            );
            if let Some(ok) = operation
                .get_mut("responses")
                .and_then(|r| r.get_mut("200"))
                .and_then(Value::as_object_mut)
            {
                ok.insert("content".to_owned(), json!({ media: file }));
            }
            added.push((format!("{path}{suffix}"), json!({"get": operation})));
        }
    }
    paths.extend(added);
}

/// Whether an operation takes `format` in its query.
pub fn takes_format(operation: &Map<String, Value>) -> bool {
    operation
        .get("parameters")
        .and_then(Value::as_array)
        .is_some_and(|parameters| {
            parameters
                .iter()
                .any(|p| p["name"] == "format" && p["in"] == "query")
        })
}

/// The seed report (开福区人民政府办公室, 2021), as a unit posts it.
const SEED_REPORT: &str =
    include_str!("../../tests/fixtures/kaifu-2021-government-office/report.json");

/// The seed report, and its parts, as the examples of the bodies that write a report: the docs
/// UI's Try-it-out starts from a real report, not from placeholders (`"string"`, the largest
/// integer) that would replace the unit's own.
fn report_examples(paths: &mut Value) {
    let Ok(seed) = serde_json::from_str::<Value>(SEED_REPORT) else {
        return;
    };
    let evaluation = "/api/v1/departments/{code}/evaluations/{year}";
    for (path, example) in [
        (evaluation.to_owned(), seed.clone()),
        (format!("{evaluation}/budget"), seed["budget"].clone()),
        (format!("{evaluation}/goals"), seed["goals"].clone()),
        (format!("{evaluation}/results"), seed["results"].clone()),
    ] {
        if example.is_null() {
            continue;
        }
        if let Some(content) = paths
            .pointer_mut(&format!(
                "/{}/put/requestBody/content/application~1json",
                path.replace('~', "~0").replace('/', "~1")
            ))
            .and_then(Value::as_object_mut)
        {
            content.insert("example".to_owned(), example);
        }
    }
}

fn problem(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}},
    })
}

fn add_response(responses: &mut Map<String, Value>, status: &str, response: Value) {
    responses.entry(status).or_insert(response);
}

fn complete_operation(path: &str, operation: &mut Map<String, Value>) {
    // `security(())` is written `[{}]`: "no requirement", drawn as a lock by the docs UI.
    let open = match operation.get_mut("security") {
        Some(Value::Array(requirements)) => {
            requirements.retain(|r| r.as_object().is_some_and(|o| !o.is_empty()));
            requirements.is_empty()
        }
        _ => false,
    };
    // A header is sent or not; it is never `null`, whatever utoipa makes of an `Option`.
    if let Some(Value::Array(parameters)) = operation.get_mut("parameters") {
        for parameter in parameters.iter_mut().filter(|p| p["in"] == "header") {
            if let Some(schema) = parameter.get_mut("schema")
                && let Some(Value::Array(types)) = schema.get_mut("type")
            {
                types.retain(|t| t != "null");
                if let [only] = types.as_slice() {
                    schema["type"] = only.clone();
                }
            }
        }
    }
    let parameters = operation
        .get("parameters")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let has_body = operation.contains_key("requestBody");
    let is_table = parameters
        .iter()
        .any(|p| p["name"] == "format" && p["schema"]["$ref"] == "#/components/schemas/Format");
    // A workbook, taken or answered, is bytes.
    let binary =
        json!({"schema": {"type": "string", "contentMediaType": XLSX, "format": "binary"}});
    if let Some(content) = operation
        .get_mut("requestBody")
        .and_then(|body| body.get_mut("content"))
        .and_then(Value::as_object_mut)
    {
        // The workbook as the body, under either of the types a file is sent as; bytes of
        // another kind (a CSV file) are bytes, not a workbook.
        let file = if content.contains_key(XLSX) {
            binary.clone()
        } else {
            json!({"schema": {"type": "string", "format": "binary"}})
        };
        for media in [XLSX, super::extract::OCTET_STREAM] {
            if content.contains_key(media) {
                content.insert(media.to_owned(), file.clone());
            }
        }
    }
    if let Some(responses) = operation
        .get_mut("responses")
        .and_then(Value::as_object_mut)
    {
        for response in responses.values_mut() {
            if let Some(content) = response.get_mut("content").and_then(Value::as_object_mut)
                && content.contains_key(XLSX)
            {
                content.insert(XLSX.to_owned(), binary.clone());
            }
        }
    }
    let Some(responses) = operation
        .get_mut("responses")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    if is_table && let Some(content) = responses["200"]["content"].as_object_mut() {
        content.insert(
            "text/csv".to_owned(),
            json!({"schema": {"type": "string", "description": "UTF-8 with a byte order mark"}}),
        );
        content.insert(
            XLSX.to_owned(),
            json!({"schema": {"type": "string", "contentMediaType": XLSX, "format": "binary"}}),
        );
    }
    if !open {
        add_response(responses, "401", problem("No valid token"));
        add_response(
            responses,
            "403",
            problem("The token is valid but its role may not do this"),
        );
    }
    if has_body {
        add_response(
            responses,
            "400",
            problem("The body is not well-formed JSON, or a parameter is invalid"),
        );
        add_response(
            responses,
            "413",
            problem(
                "The body, or the report a change would store, is larger than the service accepts",
            ),
        );
        add_response(
            responses,
            "415",
            problem("The body is not of a type the operation reads"),
        );
        add_response(
            responses,
            "422",
            problem("The body is not valid; `errors` names each field"),
        );
    }
    if !parameters.is_empty() {
        add_response(responses, "400", problem("A parameter is invalid"));
    }
    if parameters.iter().any(|p| p["in"] == "path") {
        add_response(responses, "404", problem("Not found"));
    }
    if has_body {
        add_response(responses, "408", problem("The body did not arrive in time"));
    }
    // Every operation but liveness reads the database, if only to check the caller.
    if path != "/healthz" {
        let mut unavailable = problem(
            "The database is unreachable or too busy at this moment (`unavailable`), or its \
             storage is full (`storage_full`); try again after `Retry-After` seconds",
        );
        unavailable["headers"] = json!({"Retry-After": {
            "description": "Seconds to wait before trying again",
            "schema": {"type": "integer", "minimum": 0},
        }});
        add_response(responses, "503", unavailable);
    }
}

/// Rewrites the schema shapes that client generators misread, everywhere below `value`.
fn plain_schema(value: &mut Value, schemas: &Value) {
    match value {
        Value::Object(object) => {
            // utoipa writes a `u32` as `int32` with a minimum of 0; its values go further, so
            // its range is stated and its format widened (a bounded `u32` too: `int32` would
            // tell a client that values past 2^31 - 1 are invalid).
            if object.get("format") == Some(&json!("int32")) {
                if object.get("minimum") == Some(&json!(0)) && !object.contains_key("maximum") {
                    object.insert("maximum".to_owned(), json!(u32::MAX));
                }
                if object
                    .get("maximum")
                    .and_then(Value::as_f64)
                    .is_some_and(|maximum| maximum > f64::from(i32::MAX))
                {
                    object.insert("format".to_owned(), json!("int64"));
                }
            }
            if let Some(Value::Array(members)) = object.get("oneOf")
                && members.len() == 1
                && members[0].get("$ref").is_some()
            {
                let mut reference = members[0].clone();
                object.remove("oneOf");
                // A reference stands for the whole schema; a default of `{}` is not one of its
                // values, and leaving the field out means the same.
                object.remove("default");
                for (key, member) in object.iter() {
                    if key == "description" || key == "title" {
                        reference[key] = member.clone();
                    }
                }
                *value = reference;
            } else if let Some(Value::Array(members)) = object.get("allOf")
                && let Some(merged) = merge_objects(members, schemas)
            {
                object.remove("allOf");
                for (key, member) in merged {
                    object.entry(key).or_insert(member);
                }
            }
            if let Value::Object(object) = value {
                for member in object.values_mut() {
                    plain_schema(member, schemas);
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                plain_schema(item, schemas);
            }
        }
        _ => {}
    }
}

/// The members of an `allOf` as one object schema, when each of them is an object.
fn merge_objects(members: &[Value], schemas: &Value) -> Option<Map<String, Value>> {
    let mut properties = Map::new();
    let mut required: Vec<Value> = Vec::new();
    let mut closed = false;
    for member in members {
        let member = match member.get("$ref").and_then(Value::as_str) {
            Some(reference) => {
                let name = reference.strip_prefix("#/components/schemas/")?;
                schemas.get(name)?
            }
            None => member,
        };
        if member.get("type") != Some(&json!("object")) {
            return None;
        }
        if let Some(own) = member.get("properties").and_then(Value::as_object) {
            properties.extend(own.clone());
        }
        if let Some(own) = member.get("required").and_then(Value::as_array) {
            required.extend(own.iter().cloned());
        }
        closed |= member.get("additionalProperties") == Some(&Value::Bool(false));
    }
    let mut merged = Map::new();
    merged.insert("type".to_owned(), json!("object"));
    merged.insert("required".to_owned(), Value::Array(required));
    merged.insert("properties".to_owned(), Value::Object(properties));
    if closed {
        merged.insert("additionalProperties".to_owned(), Value::Bool(false));
    }
    Some(merged)
}
