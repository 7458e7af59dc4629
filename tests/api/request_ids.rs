//! Every answer names its request (`X-Request-Id`): the client's own id when it is a short
//! token, else one the service made; the log lines of the request carry the same id.

use actix_web::http::Method;

use crate::helpers::spawn_app;

#[actix_rt::test]
async fn every_answer_names_its_request_and_a_clients_own_id_comes_back() {
    let app = spawn_app().await;
    let made = app.anonymous().get("/healthz").await;
    let id = made.header("x-request-id").expect("an X-Request-Id");
    assert_eq!(id.len(), 16, "{id}");
    let again = app.anonymous().get("/healthz").await;
    assert_ne!(again.header("x-request-id"), Some(id), "ids repeat");

    let kept = app
        .anonymous()
        .send(
            Method::GET,
            "/healthz",
            &[("X-Request-Id", "portal-7f3a.2")],
            Vec::new(),
        )
        .await;
    assert_eq!(
        kept.header("x-request-id").as_deref(),
        Some("portal-7f3a.2")
    );

    let refused = app
        .admin()
        .send(
            Method::GET,
            "/api/v1/departments/NOPE/evaluations/2025",
            &[("X-Request-Id", "not a token")],
            Vec::new(),
        )
        .await;
    let replaced = refused.header("x-request-id").expect("an X-Request-Id");
    assert_eq!(replaced.len(), 16, "{replaced}");
}
