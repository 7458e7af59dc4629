//! The `errors[]` of a problem name each wrong field by its JSON path, a stable `code` and a
//! sentence in the language asked: Chinese with `Accept-Language: zh`, with no English
//! sentence left in it, and English with `en`; the code is never inside the sentence.

use actix_web::http::Method;
use serde_json::{Value, json};

use crate::helpers::{Answer, TestApp, evaluation_path, spawn_app};

use crate::bad_input::CODE;

/// A bad request: method, path, content type and body.
struct Bad {
    method: Method,
    path: String,
    content_type: &'static str,
    body: Vec<u8>,
}

fn json_body(method: Method, path: impl Into<String>, body: Value) -> Bad {
    Bad {
        method,
        path: path.into(),
        content_type: "application/json",
        body: body.to_string().into_bytes(),
    }
}

fn get(path: impl Into<String>) -> Bad {
    Bad {
        method: Method::GET,
        path: path.into(),
        content_type: "application/json",
        body: Vec::new(),
    }
}

/// Bad input of every document (report, project table, monitoring, review score, result
/// rules, rectification, library import, settings) and of parameters.
fn bad_requests() -> Vec<Bad> {
    let evaluation = evaluation_path(CODE, 2021);
    let amounts = |initial: Value| json!({"budget": {"basic": {"amounts": {"initial": initial}}}});
    vec![
        json_body(Method::PUT, &evaluation, amounts(json!("-1"))),
        json_body(Method::PUT, &evaluation, amounts(json!("1.1234567"))),
        json_body(Method::PUT, &evaluation, amounts(json!("一百"))),
        json_body(Method::PUT, &evaluation, amounts(json!(1659.36))),
        json_body(
            Method::PUT,
            &evaluation,
            json!({"budget": {"basic": {"amounts": {"intial": "1"}}}}),
        ),
        json_body(
            Method::PUT,
            &evaluation,
            json!({"profile": {"staffing": {"on_duty": -1}}}),
        ),
        json_body(
            Method::PUT,
            &evaluation,
            json!({"goals": {"indicators": [{"id": "1", "level1": "output", "level2": "数量",
                "name": "办文", "comparison": "greater", "target": "1"}]}}),
        ),
        json_body(
            Method::PUT,
            &evaluation,
            json!({"goals": {"indicators": [
                {"id": "1", "level1": "output", "level2": "数量", "name": "办文", "target": "1"},
                {"id": "1", "level1": "output", "level2": "数量", "name": "办会", "target": "2"}]}}),
        ),
        json_body(Method::PUT, &evaluation, json!([])),
        json_body(
            Method::PUT,
            format!("{evaluation}/projects/P001"),
            json!({"nonsense": 1}),
        ),
        json_body(
            Method::PUT,
            format!("/api/v1/departments/{CODE}/monitoring/2021/1-6"),
            json!({"targets": "all"}),
        ),
        json_body(
            Method::PUT,
            format!("{evaluation}/review-score"),
            json!({"indicators": [{"indicator_id": "1", "score": "101"}]}),
        ),
        json_body(
            Method::PUT,
            "/api/v1/years/2021/result-rules",
            json!({"bands": "four"}),
        ),
        json_body(
            Method::POST,
            format!("{evaluation}/rectifications"),
            json!({"source": "somewhere"}),
        ),
        json_body(
            Method::PUT,
            "/api/v1/years/2021/settings",
            json!({"weights": 100}),
        ),
        Bad {
            method: Method::PUT,
            path: "/api/v1/years/2021/library".to_owned(),
            content_type: "text/csv",
            body: "code,name,colour\nGX07,办文,红\n".as_bytes().to_vec(),
        },
        json_body(
            Method::POST,
            "/api/v1/departments",
            json!({"code": "-x", "name": " ", "kind": "ministry"}),
        ),
        get("/api/v1/departments?limit=0"),
        get("/api/v1/comparisons/unmet-goals?years=50"),
        get("/api/v1/comparisons/grades"),
        get("/api/v1/departments/-bad-/evaluations/2021"),
        get("/api/v1/departments/101001/evaluations/1999"),
    ]
}

async fn send(app: &TestApp, bad: &Bad, language: &str) -> Answer {
    app.admin()
        .send(
            bad.method.clone(),
            &bad.path,
            &[
                ("content-type", bad.content_type),
                ("accept-language", language),
            ],
            bad.body.clone(),
        )
        .await
}

/// A run of two ASCII words: what is left of an English sentence.
fn english_words(message: &str) -> bool {
    message
        .split(|c: char| !c.is_ascii_alphabetic() && c != ' ')
        .any(|run| run.split(' ').filter(|word| word.len() >= 2).count() >= 2)
}

#[actix_rt::test]
async fn every_field_error_has_a_code_and_speaks_the_language_asked() {
    let app = crate::bad_input::app_with_report().await;
    for bad in bad_requests() {
        let zh = send(&app, &bad, "zh-CN,zh;q=0.9").await;
        let en = send(&app, &bad, "en").await;
        let what = format!("{} {}", bad.method, bad.path);
        assert!(
            (400..500).contains(&zh.status),
            "{what}: {} {}",
            zh.status,
            zh.body
        );
        let zh_errors = zh.body["errors"].as_array().cloned().unwrap_or_default();
        let en_errors = en.body["errors"].as_array().cloned().unwrap_or_default();
        assert!(!zh_errors.is_empty(), "{what}: no errors in {}", zh.body);
        assert_eq!(zh_errors.len(), en_errors.len(), "{what}");
        for (zh_error, en_error) in zh_errors.iter().zip(&en_errors) {
            let code = zh_error["code"].as_str().unwrap_or_default();
            assert!(
                !code.is_empty() && code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{what}: the code of {zh_error}"
            );
            assert_ne!(
                code, "invalid",
                "{what}: a kind the service could not name: {en_error}"
            );
            assert_eq!(en_error["code"], code, "{what}");
            assert_eq!(en_error["path"], zh_error["path"], "{what}");
            let zh_message = zh_error["message"].as_str().unwrap_or_default();
            let en_message = en_error["message"].as_str().unwrap_or_default();
            assert!(
                !zh_message.is_empty() && !english_words(zh_message),
                "{what}: English left in `{zh_message}` ({code})"
            );
            // A code of one word (`negative`) is also a word of English.
            assert!(
                !(zh_message.contains(code) || code.contains('_') && en_message.contains(code)),
                "{what}: the code `{code}` inside a sentence"
            );
            assert!(
                english_words(en_message),
                "{what}: `{en_message}` is no English sentence"
            );
        }
    }
}

#[actix_rt::test]
async fn a_field_error_carries_its_figures_as_data() {
    let app = spawn_app().await;
    let answer = app
        .admin()
        .send(
            Method::GET,
            "/api/v1/departments?limit=0",
            &[("accept-language", "zh")],
            Vec::new(),
        )
        .await;
    let errors = answer.assert_problem(400, "invalid_parameters");
    assert_eq!(
        errors,
        [("limit".to_owned(), "应在 1 至 500 之间".to_owned())]
    );
    let error = &answer.body["errors"][0];
    assert_eq!(error["code"], "out_of_range");
    assert_eq!(
        error["data"],
        json!({"min": "1", "max": "500", "value": null})
    );
}
