//! Reading requests: bodies parsed with the path of whatever is wrong, keys from the URL,
//! `If-Match`, pagination. One file, a little over the usual length: every extractor answers
//! its refusals through the same field paths and messages.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::web::{Bytes, BytesMut};
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use serde_json::error::Category;

use super::error::ApiError;
use crate::app::Window;
pub use crate::app::evaluations::EvaluationKey;
use crate::domain::evaluation::Precondition;
use crate::domain::invalid::{JsonType, TextForm};
use crate::domain::report::MAX_NESTING;
use crate::domain::upload::Upload;
use crate::domain::values::UnitCode;
use crate::domain::{FieldError, Invalid};

/// The most bytes a request body may have; a larger one is refused with 413.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

/// How long a client has to send the whole body; a slower one is answered 408, so that a
/// stalled or trickling upload holds its connection for a bounded time.
#[derive(Debug, Clone, Copy)]
pub struct BodyDeadline(pub Duration);

/// The media type a request declares, lower-cased, without its parameters.
fn media_type(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|mime| mime.trim().to_ascii_lowercase())
}

/// A JSON media type: `application/json`, or `application/…+json` (problem+json).
pub(super) fn is_json(media: &str) -> bool {
    media == "application/json" || (media.starts_with("application/") && media.ends_with("+json"))
}

/// The body, read up to the limit (413 beyond it, declared or not) within the deadline (408).
fn read_body(
    req: &HttpRequest,
    payload: &mut Payload,
) -> Pin<Box<dyn Future<Output = Result<Bytes, ApiError>>>> {
    let limit = req
        .app_data::<BodyLimit>()
        .copied()
        .unwrap_or(BodyLimit(1 << 20))
        .0;
    let declared_length = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let deadline = req
        .app_data::<BodyDeadline>()
        .copied()
        .unwrap_or(BodyDeadline(Duration::from_secs(30)))
        .0;
    let mut payload = payload.take();
    Box::pin(async move {
        if declared_length.is_some_and(|length| length > limit) {
            return Err(ApiError::PayloadTooLarge { limit });
        }
        let read = async {
            let mut body = BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(|e| {
                    ApiError::MalformedJson(format!("the body could not be read: {e}"))
                })?;
                if body.len() + chunk.len() > limit {
                    return Err(ApiError::PayloadTooLarge { limit });
                }
                body.extend_from_slice(&chunk);
            }
            Ok(body)
        };
        let body = actix_web::rt::time::timeout(deadline, read)
            .await
            .map_err(|_| ApiError::RequestTimeout {
                seconds: deadline.as_secs(),
            })??;
        Ok(body.freeze())
    })
}

/// A JSON body, read up to the limit but not parsed yet: the handler names what it expects
/// and where in the report it belongs, so that every error carries a full path.
pub struct JsonBody(Bytes);

impl FromRequest for JsonBody {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let json = media_type(req).is_some_and(|media| is_json(&media));
        let body = read_body(req, payload);
        Box::pin(async move {
            let body = body.await?;
            // An empty body needs no type: actions take an optional body.
            if !json && !body.is_empty() {
                return Err(ApiError::UnsupportedMediaType(
                    "JSON (Content-Type: application/json)",
                ));
            }
            Ok(JsonBody(body))
        })
    }
}

/// The media types an upload of a file may come as.
pub const OCTET_STREAM: &str = "application/octet-stream";
pub const MULTIPART: &str = "multipart/form-data";

/// A workbook upload, read up to the limit but not looked into: the XLSX type or
/// `application/octet-stream` (the body is the file), or `multipart/form-data` (the file is
/// one field of it, found once the caller's right is checked). Any other type is refused
/// with 415.
pub struct WorkbookBody {
    body: Bytes,
    /// For multipart: the boundary its Content-Type names (checked when the file is looked
    /// for).
    boundary: Option<String>,
}

impl WorkbookBody {
    /// The body as the use case reads it.
    pub fn upload(&self) -> Upload<'_> {
        match &self.boundary {
            None => Upload::Bare(&self.body),
            Some(boundary) => Upload::Multipart {
                body: &self.body,
                boundary,
            },
        }
    }
}

/// The `boundary` parameter of a Content-Type, unquoted; empty when there is none.
fn boundary(req: &HttpRequest) -> String {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    content_type
        .split(';')
        .skip(1)
        .filter_map(|parameter| parameter.split_once('='))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("boundary"))
        .map(|(_, value)| value.trim().trim_matches('"').to_owned())
        .unwrap_or_default()
}

impl FromRequest for WorkbookBody {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let media = media_type(req);
        let boundary = match media.as_deref() {
            Some(super::export::XLSX | OCTET_STREAM) => Ok(None),
            Some(MULTIPART) => Ok(Some(boundary(req))),
            _ => Err(ApiError::UnsupportedMediaType(
                "a workbook: the XLSX file as the body (application/vnd.openxmlformats-officedocument.spreadsheetml.sheet or application/octet-stream), or multipart/form-data with the file in the field `file`",
            )),
        };
        let body = read_body(req, payload);
        Box::pin(async move {
            let body = body.await?;
            Ok(WorkbookBody {
                body,
                boundary: boundary?,
            })
        })
    }
}

/// A body that is CSV text (`text/csv`), or a file sent as a workbook is (the XLSX type,
/// `application/octet-stream`, or the one file of `multipart/form-data`), whose bytes the use
/// case tells apart once the caller's right is checked. Any other type is refused with 415.
pub enum CsvOrFile {
    Csv(Bytes),
    File(WorkbookBody),
}

impl FromRequest for CsvOrFile {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        match media_type(req).as_deref() {
            Some("text/csv") => {
                let body = read_body(req, payload);
                Box::pin(async move { Ok(Self::Csv(body.await?)) })
            }
            Some(super::export::XLSX | OCTET_STREAM | MULTIPART) => {
                let file = WorkbookBody::from_request(req, payload);
                Box::pin(async move { Ok(Self::File(file.await?)) })
            }
            _ => {
                let body = read_body(req, payload);
                Box::pin(async move {
                    body.await?;
                    Err(ApiError::UnsupportedMediaType(
                        "CSV (text/csv), or a file: the XLSX type, application/octet-stream, or multipart/form-data with the file in the field `file`",
                    ))
                })
            }
        }
    }
}

/// A body that is JSON, or a form (`application/x-www-form-urlencoded`, as OAuth 2.0 clients
/// send their token requests).
pub enum JsonOrForm {
    Json(JsonBody),
    Form(Bytes),
}

impl FromRequest for JsonOrForm {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let media = media_type(req);
        let body = read_body(req, payload);
        Box::pin(async move {
            let body = body.await?;
            match media.as_deref() {
                Some("application/x-www-form-urlencoded") => Ok(Self::Form(body)),
                Some(json) if is_json(json) => Ok(Self::Json(JsonBody(body))),
                _ => Err(ApiError::UnsupportedMediaType(
                    "JSON (application/json) or a form (application/x-www-form-urlencoded)",
                )),
            }
        })
    }
}

impl JsonBody {
    /// Like `parse`, but an empty body, or JSON `null`, is `None`.
    pub fn parse_optional<T: DeserializeOwned>(
        &self,
        path: &str,
        what: &'static str,
    ) -> Result<Option<T>, ApiError> {
        if self.0.trim_ascii().is_empty() || self.0.trim_ascii() == b"null" {
            Ok(None)
        } else {
            self.parse(path, what).map(Some)
        }
    }

    /// Parses the body as a `T` that sits at `path` in its document (`""` for the root);
    /// a wrong type, an unknown field or a bad value is answered with the path to it.
    pub fn parse<T: DeserializeOwned>(
        &self,
        path: &str,
        what: &'static str,
    ) -> Result<T, ApiError> {
        // Every body is a JSON object; serde would read an array into a struct by position.
        if self.0.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
            return Err(ApiError::InvalidBody {
                what,
                errors: vec![FieldError::new(path, Invalid::ExpectedObject)],
            });
        }
        if let Some(deepest) = too_deep(&self.0, depth_of(path)) {
            return Err(ApiError::InvalidBody {
                what,
                errors: vec![FieldError::new(
                    join_path(path, &deepest),
                    Invalid::TooDeep { max: MAX_NESTING },
                )],
            });
        }
        let mut deserializer = serde_json::Deserializer::from_slice(&self.0);
        let parsed: Result<T, _> = serde_path_to_error::deserialize(&mut deserializer);
        let value = parsed.map_err(|error| {
            let inner_path = error.path().to_string();
            let error = error.into_inner();
            match error.classify() {
                Category::Syntax | Category::Eof | Category::Io => {
                    ApiError::MalformedJson(error.to_string())
                }
                Category::Data => ApiError::InvalidBody {
                    what,
                    errors: vec![refusal_at(
                        join_path(path, &inner_path),
                        &data_message(&error),
                    )],
                },
            }
        })?;
        deserializer
            .end()
            .map_err(|e| ApiError::MalformedJson(e.to_string()))?;
        Ok(value)
    }
}

/// How many levels below the report's root the part at `path` sits.
fn depth_of(path: &str) -> usize {
    if path.is_empty() {
        0
    } else {
        path.split('.').count() + path.matches('[').count()
    }
}

/// Where an object or an array is open while reading JSON: the key or index it is at now.
enum Open {
    /// The byte range of the current key (quotes included), and whether a key comes next.
    Object {
        key: Option<(usize, usize)>,
        expects_key: bool,
    },
    Array {
        index: usize,
    },
}

/// The path (from the body's root) of the first object or array that would sit deeper than
/// `MAX_NESTING` levels in the report, when the body sits `below` levels under its root. Read
/// before parsing, so that no body is parsed that a stored report could not be read back
/// from. Malformed JSON is left for the parser to name.
fn too_deep(body: &[u8], below: usize) -> Option<String> {
    let mut open: Vec<Open> = Vec::new();
    let mut at = 0;
    while at < body.len() {
        match body[at] {
            b'"' => {
                let start = at;
                at += 1;
                while at < body.len() && body[at] != b'"' {
                    at += if body[at] == b'\\' { 2 } else { 1 };
                }
                if let Some(Open::Object { key, expects_key }) = open.last_mut()
                    && *expects_key
                {
                    *key = Some((start, (at + 1).min(body.len())));
                    *expects_key = false;
                }
            }
            b'{' | b'[' => {
                open.push(if body[at] == b'{' {
                    Open::Object {
                        key: None,
                        expects_key: true,
                    }
                } else {
                    Open::Array { index: 0 }
                });
                if below + open.len() > MAX_NESTING {
                    return Some(path_of(body, &open[..open.len() - 1]));
                }
            }
            b'}' | b']' => {
                open.pop();
            }
            b',' => match open.last_mut() {
                Some(Open::Object { expects_key, .. }) => *expects_key = true,
                Some(Open::Array { index }) => *index += 1,
                None => {}
            },
            _ => {}
        }
        at += 1;
    }
    None
}

/// The path of where the innermost of `open` is now.
fn path_of(body: &[u8], open: &[Open]) -> String {
    let mut path = String::new();
    for level in open {
        match level {
            Open::Object { key, .. } => {
                let key = key
                    .and_then(|(start, end)| {
                        serde_json::from_slice::<String>(&body[start..end]).ok()
                    })
                    .unwrap_or_default();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(&key);
            }
            Open::Array { index } => path.push_str(&format!("[{index}]")),
        }
    }
    path
}

fn join_path(prefix: &str, inner: &str) -> String {
    let inner = if inner == "." { "" } else { inner };
    match (prefix.is_empty(), inner.is_empty()) {
        (true, _) => inner.to_owned(),
        (false, true) => prefix.to_owned(),
        (false, false) if inner.starts_with('[') => format!("{prefix}{inner}"),
        (false, false) => format!("{prefix}.{inner}"),
    }
}

/// serde_json ends its messages with " at line L column C"; the path says where already.
fn data_message(error: &serde_json::Error) -> String {
    let message = error.to_string();
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message,
    }
}

/// What serde's text of an error says is wrong, as a kind: a refusal of one of the domain's
/// value types read back whole, else serde's own sentences (a missing or unknown field, a
/// value of the wrong type or none of the names) read by their fixed form; anything else is
/// kept as its words in `detail`.
pub(super) fn refusal(message: &str) -> Invalid {
    if let Some(invalid) = Invalid::carried_in(message) {
        return invalid;
    }
    let quoted = |text: &str| -> Vec<String> {
        text.split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_owned)
            .collect()
    };
    if message.starts_with("missing field `") {
        return Invalid::Required;
    }
    if let Some(rest) = message.strip_prefix("unknown field ") {
        let mut names = quoted(rest);
        if !names.is_empty() {
            let field = names.remove(0);
            return Invalid::UnknownField {
                field,
                expected: names,
            };
        }
    }
    if let Some(rest) = message.strip_prefix("unknown variant ") {
        let mut names = quoted(rest);
        if !names.is_empty() {
            let value = names.remove(0);
            return Invalid::UnknownValue {
                value,
                expected: names,
            };
        }
    }
    if let Some(rest) = message.strip_prefix("duplicate field ")
        && let Some(value) = quoted(rest).into_iter().next()
    {
        return Invalid::Duplicate { value };
    }
    if let Some((found, expected)) = message
        .strip_prefix("invalid type: ")
        .and_then(|rest| rest.split_once(", expected "))
    {
        return Invalid::WrongType {
            found: json_type(found),
            expected: json_type(expected),
        };
    }
    if let Some((value, expected)) = message
        .strip_prefix("invalid value: ")
        .and_then(|rest| rest.split_once(", expected "))
    {
        let (min, max) = integer_bounds(expected);
        return Invalid::OutOfRange {
            value: quoted(value).into_iter().next(),
            min,
            max,
        };
    }
    if let Some((found, expected)) = message
        .strip_prefix("invalid length ")
        .and_then(|rest| rest.split_once(", expected "))
        && let Ok(found) = found.parse()
    {
        let expected = expected
            .split(|c: char| !c.is_ascii_digit())
            .find_map(|n| n.parse().ok())
            .unwrap_or_default();
        return Invalid::WrongLength { found, expected };
    }
    if message.starts_with("number out of range") {
        return Invalid::OutOfRange {
            value: None,
            min: None,
            max: None,
        };
    }
    if message.starts_with("invalid digit") || message.starts_with("cannot parse") {
        return Invalid::NotANumber {
            text: String::new(),
        };
    }
    Invalid::Invalid {
        detail: message.to_owned(),
    }
}

/// The refusal serde's `message` says at `path`; a missing field is named at its own path.
fn refusal_at(path: String, message: &str) -> FieldError {
    let invalid = refusal(message);
    let path = match (&invalid, message.strip_prefix("missing field `")) {
        (Invalid::Required, Some(rest)) => {
            let field = rest.split('`').next().unwrap_or_default();
            join_path(&path, field)
        }
        _ => path,
    };
    FieldError::new(path, invalid)
}

/// The kind of JSON value serde names in a type error (`string "x"`, `a u32`, `struct X` …).
fn json_type(named: &str) -> JsonType {
    let named = named.trim_start_matches("a ").trim_start_matches("an ");
    let word = named.split([' ', '`']).next().unwrap_or_default();
    match word {
        "string" | "str" | "char" | "character" | "unit" => JsonType::String,
        "integer" | "u8" | "u16" | "u32" | "u64" | "i8" | "i16" | "i32" | "i64" | "usize"
        | "isize" => JsonType::Integer,
        "floating" | "f32" | "f64" | "number" | "decimal" => JsonType::Number,
        "boolean" | "bool" => JsonType::Boolean,
        "null" | "none" => JsonType::Null,
        "sequence" | "array" | "tuple" | "list" => JsonType::Array,
        "map" | "struct" | "object" => JsonType::Object,
        _ => JsonType::Other,
    }
}

/// The bounds of the integer type serde names as expected (`u32`, `i64` …), when it is one.
fn integer_bounds(expected: &str) -> (Option<String>, Option<String>) {
    let bounds = |min: i128, max: i128| (Some(min.to_string()), Some(max.to_string()));
    match expected.trim_start_matches("a ").trim_start_matches("an ") {
        "u8" => bounds(0, u8::MAX.into()),
        "u16" => bounds(0, u16::MAX.into()),
        "u32" => bounds(0, u32::MAX.into()),
        "u64" | "usize" => bounds(0, u64::MAX.into()),
        "i32" => bounds(i32::MIN.into(), i32::MAX.into()),
        "i64" | "isize" => bounds(i64::MIN.into(), i64::MAX.into()),
        _ => (None, None),
    }
}

/// Why a text read as a parameter is refused, as a kind.
pub trait Refusal {
    fn invalid(&self, raw: &str) -> Invalid;
}

impl Refusal for Invalid {
    fn invalid(&self, _: &str) -> Invalid {
        self.clone()
    }
}

impl Refusal for std::num::ParseIntError {
    fn invalid(&self, raw: &str) -> Invalid {
        Invalid::NotANumber {
            text: raw.to_owned(),
        }
    }
}

impl Refusal for String {
    fn invalid(&self, _: &str) -> Invalid {
        Invalid::Invalid {
            detail: self.clone(),
        }
    }
}

/// A path parameter, parsed; what does not parse is named with what is wrong with it.
pub(super) fn parameter<T>(req: &HttpRequest, name: &str) -> Result<T, FieldError>
where
    T: std::str::FromStr,
    T::Err: Refusal,
{
    let raw = req.match_info().get(name).unwrap_or_default();
    raw.parse()
        .map_err(|e: T::Err| FieldError::new(name, e.invalid(raw)))
}

/// A path parameter, parsed, or a 400 that names it.
pub fn path_parameter<T>(req: &HttpRequest, name: &str) -> Result<T, ApiError>
where
    T: std::str::FromStr,
    T::Err: Refusal,
{
    parameter(req, name).map_err(|e| ApiError::InvalidParameters(vec![e]))
}

/// `{code}` in the URL: a department.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct DepartmentKey {
    /// 单位代码
    pub code: UnitCode,
}

impl FromRequest for DepartmentKey {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(
            parameter(req, "code")
                .map(|code| Self { code })
                .map_err(|e| ApiError::InvalidParameters(vec![e])),
        )
    }
}

impl FromRequest for EvaluationKey {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let key = match (parameter(req, "code"), parameter(req, "year")) {
            (Ok(code), Ok(year)) => Ok(Self { code, year }),
            (code, year) => Err(ApiError::InvalidParameters(
                code.err().into_iter().chain(year.err()).collect(),
            )),
        };
        std::future::ready(key)
    }
}

/// `If-Match`: absent, `*`, or the ETag of the version the client read (`"3"`).
pub struct IfMatch(pub Precondition);

/// The form of `If-Match` the service reads: `*` or one ETag as it sent it.
pub const IF_MATCH_PATTERN: &str = r#"^(\*|"[0-9]{1,18}")$"#;

/// `If-Match` as an operation's parameter, optional.
impl utoipa::IntoParams for IfMatch {
    fn into_params(
        _: impl Fn() -> Option<utoipa::openapi::path::ParameterIn>,
    ) -> Vec<utoipa::openapi::path::Parameter> {
        use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
        use utoipa::openapi::{ObjectBuilder, Required, Type};
        vec![
            ParameterBuilder::new()
                .name("If-Match")
                .parameter_in(ParameterIn::Header)
                .description(Some(
                    "The ETag last read (e.g. `\"3\"`), or `*`; leave it out to write whatever \
                     is stored",
                ))
                .required(Required::False)
                .schema(Some(
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .pattern(Some(IF_MATCH_PATTERN)),
                ))
                .build(),
        ]
    }
}

impl FromRequest for IfMatch {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let invalid = || {
            ApiError::InvalidParameters(vec![FieldError::new(
                "If-Match",
                Invalid::Malformed {
                    text: req
                        .headers()
                        .get(header::IF_MATCH)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_owned(),
                    form: TextForm::Etag,
                },
            )])
        };
        let precondition = match req.headers().get(header::IF_MATCH) {
            None => Ok(Precondition::None),
            Some(value) => match value.to_str().map(str::trim) {
                Ok("*") => Ok(Precondition::Exists),
                Ok(tag) => tag
                    .strip_prefix('"')
                    .and_then(|t| t.strip_suffix('"'))
                    .and_then(|t| t.parse::<i64>().ok())
                    .map(Precondition::Version)
                    .ok_or_else(invalid),
                Err(_) => Err(invalid()),
            },
        };
        std::future::ready(precondition.map(Self))
    }
}

/// The ETag of a version of an evaluation.
pub fn etag(version: i64) -> (header::HeaderName, String) {
    (header::ETAG, format!("\"{version}\""))
}

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 500;

/// Which slice of a list to answer: `limit` 1 to 500 (default 50), `offset` from 0.
pub fn window(limit: Option<i64>, offset: Option<i64>) -> Result<Window, ApiError> {
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    let offset = offset.unwrap_or(0);
    let mut errors = Vec::new();
    if !(1..=MAX_LIMIT).contains(&limit) {
        errors.push(FieldError::new("limit", Invalid::between(1, MAX_LIMIT)));
    }
    if offset < 0 {
        errors.push(FieldError::new(
            "offset",
            Invalid::OutOfRange {
                value: Some(offset.to_string()),
                min: Some("0".to_owned()),
                max: None,
            },
        ));
    }
    if errors.is_empty() {
        Ok(Window { limit, offset })
    } else {
        Err(ApiError::InvalidParameters(errors))
    }
}

/// Query strings that cannot be read are answered as problems too.
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|error, _| {
        let message = match &error {
            actix_web::error::QueryPayloadError::Deserialize(error) => error.to_string(),
            other => other.to_string(),
        };
        let field = match refusal_at(String::new(), &message) {
            FieldError { path, invalid } if path.is_empty() => FieldError::new("query", invalid),
            named => named,
        };
        ApiError::InvalidParameters(vec![field]).into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(levels: usize) -> String {
        let mut line = r#"{"name": "x"}"#.to_owned();
        for _ in 1..levels {
            line = format!(r#"{{"name": "x, \"}}]", "children": [{line}]}}"#);
        }
        format!(r#"{{"projects": {{"lines": [{{"name": "first"}}, {line}]}}}}"#)
    }

    #[test]
    fn nesting_is_measured_from_the_reports_root_and_named_by_its_path() {
        // budget (1) → projects (2) → lines (3) → a line (4) → children (5) → a line (6) …
        let body = nested(31);
        assert_eq!(depth_of("budget"), 1);
        assert_eq!(too_deep(body.as_bytes(), 0), None);
        let deepest = too_deep(body.as_bytes(), 1).unwrap();
        assert!(
            deepest.starts_with("projects.lines[1].children[0].children[0]"),
            "{deepest}"
        );
        assert_eq!(deepest.matches("children").count(), 30);
        assert_eq!(
            too_deep(br#"{"a": "{{{{[[[[", "b": 1}"#, MAX_NESTING - 1),
            None
        );
    }
}
