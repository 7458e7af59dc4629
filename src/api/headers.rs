//! What every answer carries for the browser's sake: a cache policy, security headers, and
//! cross-origin access for the origins allowed.

use actix_cors::Cors;
use actix_web::Error;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, Uri};
use actix_web::middleware::Next;

/// The answers of the API are data, never pages: nothing may run, load or frame them.
pub const API_POLICY: &str = "default-src 'none'; frame-ancestors 'none'";

/// The Swagger UI is served from the binary: its scripts, styles and the document come from
/// here; its styles are partly set inline, and its icons are `data:` images.
pub const DOCS_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
     base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// Adds the security headers to every answer, and `Cache-Control: no-store` to every answer
/// that sets no cache policy of its own: what a caller was shown must not stay in a shared
/// cache or on a shared disk. Only the public reports are cacheable, and say so.
pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let docs = req.path() == "/docs" || req.path().starts_with("/docs/");
    // Handlers and extractors answer their errors as responses, which pass through here.
    let mut res = next.call(req).await?;
    let headers = res.headers_mut();
    // A page the service renders (a report, a chart) states its own policy; the rest are data.
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        let policy = if docs { DOCS_POLICY } else { API_POLICY };
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(policy),
        );
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(res)
}

/// Checks that each origin is a scheme and a host (and port), as a browser sends it in
/// `Origin`; answers them as given.
pub fn allowed_origins(origins: &[String]) -> Result<Vec<String>, String> {
    origins
        .iter()
        .map(|origin| origin.trim())
        .filter(|origin| !origin.is_empty())
        .map(|origin| {
            let uri: Uri = origin.parse().map_err(|_| not_an_origin(origin))?;
            let well_formed = matches!(uri.scheme_str(), Some("http" | "https"))
                && uri.authority().is_some()
                && matches!(uri.path(), "" | "/")
                && uri.query().is_none()
                && !origin.ends_with('/');
            if well_formed {
                Ok(origin.to_owned())
            } else {
                Err(not_an_origin(origin))
            }
        })
        .collect()
}

fn not_an_origin(origin: &str) -> String {
    format!(
        "PERFEVAL_CORS_ORIGINS: `{origin}` is not an origin; write a scheme and a host, like https://portal.example.gov.cn"
    )
}

/// Cross-origin access for the allowed origins only (none by default). Requests from other
/// origins are answered as usual but without the headers that would let a page read them.
pub fn cors(origins: &[String]) -> Cors {
    let cors = Cors::default()
        .allowed_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
        ])
        .expose_headers([
            header::ETAG,
            header::LOCATION,
            header::RETRY_AFTER,
            header::WWW_AUTHENTICATE,
            header::CONTENT_DISPOSITION,
        ])
        .max_age(600)
        .block_on_origin_mismatch(false);
    origins
        .iter()
        .fold(cors, |cors, origin| cors.allowed_origin(origin))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_origin_is_a_scheme_and_a_host() {
        let given = |list: &[&str]| {
            allowed_origins(&list.iter().map(|o| (*o).to_owned()).collect::<Vec<_>>())
        };
        assert_eq!(
            given(&["https://portal.example.gov.cn", " http://localhost:3000"]),
            Ok(vec![
                "https://portal.example.gov.cn".to_owned(),
                "http://localhost:3000".to_owned()
            ])
        );
        for wrong in [
            "*",
            "portal.example.gov.cn",
            "https://portal.example.gov.cn/",
            "https://a.example/path",
            "ftp://a.example",
        ] {
            assert!(given(&[wrong]).is_err(), "{wrong}");
        }
    }
}
