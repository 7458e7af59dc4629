//! The language a request is answered in: Chinese when `Accept-Language` prefers it, and by
//! default where a clerk is the reader (a form upload, a page); English otherwise. It is
//! decided once per request by a middleware and read where answers are written (problems,
//! the cells of an upload, findings), so that no handler has to carry it.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::Next;

/// 语言 — the language of the sentences of an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    Zh,
    En,
}

tokio::task_local! {
    static CURRENT: Language;
}

/// The language of the request being served; English outside a request.
pub fn current() -> Language {
    CURRENT
        .try_with(|language| *language)
        .unwrap_or(Language::En)
}

/// The language `Accept-Language` prefers among Chinese and English (by `q`, then by order),
/// if it names either.
fn preferred(accept_language: &str) -> Option<Language> {
    let mut best: Option<(Language, u16)> = None;
    for range in accept_language.split(',').take(32) {
        let mut parts = range.split(';');
        let tag = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let quality = parts
            .find_map(|p| p.trim().strip_prefix("q="))
            .and_then(|q| q.trim().parse::<f32>().ok())
            .map_or(1000, |q| (q.clamp(0.0, 1.0) * 1000.0) as u16);
        let language = match tag.split('-').next() {
            Some("zh") => Language::Zh,
            Some("en") => Language::En,
            _ => continue,
        };
        if quality > 0 && best.is_none_or(|(_, q)| quality > q) {
            best = Some((language, quality));
        }
    }
    best.map(|(language, _)| language)
}

/// Whether the request is one a clerk reads the answer of: a form upload
/// (`POST …/form`) or a page (`Accept: text/html`).
fn for_a_clerk(method: &Method, path: &str, accept: Option<&str>) -> bool {
    (method == Method::POST && path.ends_with("/form"))
        || accept.is_some_and(|accept| accept.contains("text/html"))
}

/// The language a request is answered in.
pub fn of_request(method: &Method, path: &str, headers: &header::HeaderMap) -> Language {
    let text = |name| headers.get(name).and_then(|v| v.to_str().ok());
    text(header::ACCEPT_LANGUAGE)
        .and_then(preferred)
        .unwrap_or_else(|| {
            if for_a_clerk(method, path, text(header::ACCEPT)) {
                Language::Zh
            } else {
                Language::En
            }
        })
}

/// Serves the request in its language.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let language = of_request(req.method(), req.path(), req.headers());
    CURRENT.scope(language, next.call(req)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_chinese_or_english_by_quality() {
        assert_eq!(preferred("zh-CN,zh;q=0.9,en;q=0.8"), Some(Language::Zh));
        assert_eq!(preferred("en-US,en;q=0.9,zh-CN;q=0.8"), Some(Language::En));
        assert_eq!(preferred("fr;q=1, zh-Hans;q=0.5"), Some(Language::Zh));
        assert_eq!(preferred("en;q=0.2, zh-TW;q=0.7"), Some(Language::Zh));
        assert_eq!(preferred("zh;q=0"), None);
        assert_eq!(preferred("de"), None);
    }

    #[test]
    fn form_uploads_and_pages_speak_chinese_unless_asked_otherwise() {
        let mut headers = header::HeaderMap::new();
        let upload = "/api/v1/departments/101001/evaluations/2025/form";
        assert_eq!(of_request(&Method::POST, upload, &headers), Language::Zh);
        assert_eq!(
            of_request(&Method::GET, "/api/v1/departments", &headers),
            Language::En
        );
        headers.insert(
            header::ACCEPT_LANGUAGE,
            header::HeaderValue::from_static("en"),
        );
        assert_eq!(of_request(&Method::POST, upload, &headers), Language::En);
    }
}
