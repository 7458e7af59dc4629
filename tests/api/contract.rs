//! Every exchange of the HTTP tests is held against the OpenAPI document the service serves:
//! the status must be one the operation documents, with a documented content type, and a JSON
//! answer must validate against the schema declared for it. A request body the service
//! accepted (2xx) must validate against the operation's request schema, so the document is
//! never stricter than the service. Paths the document does not describe (the docs UI, the
//! document itself, unknown routes) are left alone.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use jsonschema::Validator;
use serde_json::{Value, json};

/// One request and the answer to it, as sent and received.
pub struct Exchange<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub request_type: Option<&'a str>,
    pub request_body: &'a [u8],
    pub status: u16,
    pub response_type: Option<&'a str>,
    pub response_body: &'a [u8],
}

struct Contract {
    document: Value,
    validators: Mutex<HashMap<String, Arc<Validator>>>,
}

fn contract() -> &'static Contract {
    static CONTRACT: OnceLock<Contract> = OnceLock::new();
    CONTRACT.get_or_init(|| Contract {
        document: serde_json::to_value(perfeval::api::openapi()).expect("the document"),
        validators: Mutex::new(HashMap::new()),
    })
}

impl Contract {
    /// The documented path template that `path` (without its query) is an instance of.
    fn template(&self, path: &str) -> Option<&str> {
        let asked: Vec<&str> = path.split('/').collect();
        self.document["paths"]
            .as_object()?
            .keys()
            .find(|template| {
                let segments: Vec<&str> = template.split('/').collect();
                segments.len() == asked.len()
                    && segments.iter().zip(&asked).all(|(s, a)| {
                        s == a || (s.starts_with('{') && s.ends_with('}') && !a.is_empty())
                    })
            })
            .map(String::as_str)
    }

    /// A validator for the schema at `pointer` in the document (cached).
    fn validator(&self, pointer: &str) -> Arc<Validator> {
        let mut validators = self.validators.lock().expect("the validator cache");
        if let Some(validator) = validators.get(pointer) {
            return validator.clone();
        }
        let schema = self
            .document
            .pointer(pointer)
            .unwrap_or_else(|| panic!("no schema at {pointer}"));
        // References point into the document's components, so they travel with the schema.
        let root = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "components": self.document["components"],
            "allOf": [schema],
        });
        let validator = Arc::new(
            jsonschema::draft202012::new(&root)
                .unwrap_or_else(|e| panic!("the schema at {pointer} does not compile: {e}")),
        );
        validators.insert(pointer.to_owned(), validator.clone());
        validator
    }

    fn validate(&self, pointer: &str, instance: &Value, what: &str) {
        let validator = self.validator(pointer);
        let errors: Vec<String> = validator
            .iter_errors(instance)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .take(5)
            .collect();
        assert!(
            errors.is_empty(),
            "{what} does not match the document's schema {pointer}:\n{}\n{}",
            errors.join("\n"),
            serde_json::to_string(instance).unwrap_or_default()
        );
    }
}

/// The media type without its parameters (`text/csv; charset=utf-8` → `text/csv`).
fn media_type(header: &str) -> String {
    header
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// Panics, naming what differs, when the exchange is not what the document says.
pub fn check(exchange: &Exchange<'_>) {
    let contract = contract();
    let path = exchange.path.split('?').next().unwrap_or_default();
    let Some(template) = contract.template(path) else {
        return;
    };
    let method = exchange.method.to_ascii_lowercase();
    let operation_pointer = format!("/paths/{}/{method}", escape(template));
    let Some(operation) = contract.document.pointer(&operation_pointer) else {
        return;
    };
    let what = format!(
        "{} {} → {}",
        exchange.method, exchange.path, exchange.status
    );
    let status = exchange.status.to_string();
    let response_pointer = if operation["responses"].get(&status).is_some() {
        format!("{operation_pointer}/responses/{status}")
    } else {
        panic!(
            "{what}: the document does not say that {} {template} can answer {status}: {}",
            exchange.method,
            String::from_utf8_lossy(exchange.response_body)
        );
    };
    let response = &contract
        .document
        .pointer(&response_pointer)
        .expect("response");
    if let Some(content) = response.get("content").and_then(Value::as_object) {
        let Some(media) = exchange.response_type.map(media_type) else {
            assert!(
                exchange.response_body.is_empty(),
                "{what}: a body without a Content-Type"
            );
            return;
        };
        assert!(
            content.contains_key(&media),
            "{what}: answered {media}, documented {:?}",
            content.keys().collect::<Vec<_>>()
        );
        if media == "application/json" || media.ends_with("+json") {
            let body: Value = serde_json::from_slice(exchange.response_body)
                .unwrap_or_else(|e| panic!("{what}: the answer is not JSON: {e}"));
            let schema = format!("{response_pointer}/content/{}/schema", escape(&media));
            contract.validate(&schema, &body, &format!("the answer of {what}"));
        }
    } else {
        assert!(
            exchange.response_body.is_empty(),
            "{what}: answered a body where the document says there is none: {}",
            String::from_utf8_lossy(exchange.response_body)
        );
    }
    let accepted = (200..300).contains(&exchange.status);
    let media = exchange.request_type.map(media_type).unwrap_or_default();
    // The OAuth 2.0 password grant's form (RFC 6749 §4.3) is described by the security
    // scheme whose password flow names this path as its token URL, not by the operation.
    let password_grant = media == "application/x-www-form-urlencoded"
        && contract
            .document
            .pointer("/components/securitySchemes/password/flows/password/tokenUrl")
            .and_then(Value::as_str)
            == Some(exchange.path.split('?').next().unwrap_or_default());
    if accepted && !exchange.request_body.is_empty() && !password_grant {
        let schema = format!(
            "{operation_pointer}/requestBody/content/{}/schema",
            escape(&media)
        );
        assert!(
            contract.document.pointer(&schema).is_some(),
            "{what}: the service accepted a {media} body the document does not describe"
        );
        if media == "application/json" {
            let body: Value = serde_json::from_slice(exchange.request_body)
                .unwrap_or_else(|e| panic!("{what}: accepted a body that is not JSON: {e}"));
            contract.validate(&schema, &body, &format!("the request of {what}"));
        }
        if media == "multipart/form-data" {
            let fields = multipart_fields(
                exchange.request_type.unwrap_or_default(),
                exchange.request_body,
            );
            let schema = contract.document.pointer(&schema).expect("the schema");
            let schema = match schema["$ref"].as_str() {
                Some(reference) => contract
                    .document
                    .pointer(reference.trim_start_matches('#'))
                    .unwrap_or_else(|| panic!("{what}: no schema at {reference}")),
                None => schema,
            };
            for required in schema["required"].as_array().into_iter().flatten() {
                let required = required.as_str().unwrap_or_default();
                assert!(
                    fields.iter().any(|field| field == required),
                    "{what}: accepted a multipart body without the required field `{required}` (fields: {fields:?})"
                );
            }
        }
    }
}

/// The field names of a multipart/form-data body, from its parts' Content-Disposition.
fn multipart_fields(content_type: &str, body: &[u8]) -> Vec<String> {
    let Some(boundary) = content_type
        .split(';')
        .filter_map(|p| p.split_once('='))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("boundary"))
        .map(|(_, value)| value.trim().trim_matches('"').to_owned())
    else {
        return Vec::new();
    };
    let text = String::from_utf8_lossy(body);
    text.split(&format!("--{boundary}"))
        .filter_map(|part| {
            let headers = part.split("\r\n\r\n").next()?;
            let disposition = headers.split("\r\n").find(|line| {
                line.to_ascii_lowercase()
                    .starts_with("content-disposition:")
            })?;
            disposition.split(';').find_map(|parameter| {
                let (key, value) = parameter.split_once('=')?;
                (key.trim() == "name").then(|| value.trim().trim_matches('"').to_owned())
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> std::thread::Result<()> {
        let body = body.to_owned();
        std::panic::catch_unwind(move || {
            check(&Exchange {
                method: "GET",
                path: "/api/v1/departments/101001?x=1",
                request_type: None,
                request_body: b"",
                status,
                response_type: Some("application/json"),
                response_body: body.as_bytes(),
            })
        })
    }

    #[test]
    fn an_answer_as_documented_passes() {
        let department = r#"{"code": "101001", "name": "区政府办公室", "kind": "administrative",
            "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"}"#;
        assert!(answer(200, department).is_ok());
    }

    #[test]
    fn an_answer_that_breaks_its_schema_is_caught() {
        assert!(answer(200, r#"{"code": 5, "name": "x", "kind": "administrative"}"#).is_err());
        let extra = r#"{"code": "101001", "name": "区政府办公室", "kind": "administrative",
            "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z", "x": 1}"#;
        assert!(answer(200, extra).is_err());
    }

    #[test]
    fn the_fields_of_a_multipart_request_are_read_for_its_schema() {
        let body = b"--b\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nx\r\n--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.xlsx\"\r\n\r\nPK\r\n--b--\r\n";
        assert_eq!(
            multipart_fields("multipart/form-data; boundary=b", body),
            ["note", "file"]
        );
    }

    #[test]
    fn a_status_the_document_does_not_name_is_caught() {
        assert!(answer(418, "{}").is_err());
    }
}
