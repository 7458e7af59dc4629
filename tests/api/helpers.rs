//! Starts the real service on port 0 with a fresh database of its own: a SQLite file, or, when
//! `TEST_DATABASE_URL` names a PostgreSQL server, a new database on it that is dropped after.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use actix_web::http::Method;
use actix_web::http::header::HeaderMap;
use diesel::{Connection, PgConnection, RunQueryDsl};
use perfeval::config::{Secret, Settings};
use perfeval::startup::Application;
use serde_json::Value;

use crate::contract;

static NEXT_DATABASE: AtomicU32 = AtomicU32::new(0);

fn unique_name() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!(
        "perfeval_test_{}_{}_{nanos}",
        std::process::id(),
        NEXT_DATABASE.fetch_add(1, Ordering::Relaxed)
    )
}

/// A database that exists for one test.
enum TestDatabase {
    Sqlite { path: std::path::PathBuf },
    Postgres { admin_url: String, name: String },
}

impl TestDatabase {
    fn create() -> (Self, String) {
        match std::env::var("TEST_DATABASE_URL") {
            Ok(admin_url) if admin_url.starts_with("postgres") => {
                let name = unique_name();
                let mut admin = PgConnection::establish(&admin_url).unwrap_or_else(|e| {
                    panic!("TEST_DATABASE_URL {admin_url} does not answer: {e}")
                });
                diesel::sql_query(format!("CREATE DATABASE {name}"))
                    .execute(&mut admin)
                    .expect("create the test database");
                let url = with_database(&admin_url, &name);
                (Self::Postgres { admin_url, name }, url)
            }
            _ => {
                let path = std::env::temp_dir().join(format!("{}.db", unique_name()));
                let url = path.to_string_lossy().into_owned();
                (Self::Sqlite { path }, url)
            }
        }
    }
}

/// The same server URL with another database name.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let server = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{server}/{name}?{query}"),
        None => format!("{server}/{name}"),
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        match self {
            Self::Sqlite { path } => {
                for suffix in ["", "-wal", "-shm"] {
                    let mut file = path.clone().into_os_string();
                    file.push(suffix);
                    let _ = std::fs::remove_file(file);
                }
            }
            Self::Postgres { admin_url, name } => {
                if let Ok(mut admin) = PgConnection::establish(admin_url) {
                    let _ =
                        diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                            .execute(&mut admin);
                }
            }
        }
    }
}

/// An answer: its status, headers and body (JSON, or `Value::Null` when empty), and the body's
/// bytes as sent (for workbooks).
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
    pub bytes: Vec<u8>,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }

    /// Asserts that this is a problem+json answer with `status` and `code`; answers its `errors`.
    #[track_caller]
    pub fn assert_problem(&self, status: u16, code: &str) -> Vec<(String, String)> {
        assert_eq!(self.status, status, "unexpected answer: {}", self.body);
        assert_eq!(
            self.header("content-type").as_deref(),
            Some("application/problem+json"),
            "{}",
            self.body
        );
        assert_eq!(self.body["code"], code, "{}", self.body);
        assert_eq!(self.body["status"], status);
        assert_eq!(self.body["type"], format!("urn:perfeval:problem:{code}"));
        assert!(self.body["detail"].as_str().is_some_and(|d| !d.is_empty()));
        self.body["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .map(|e| {
                        (
                            e["path"].as_str().unwrap_or_default().to_owned(),
                            e["message"].as_str().unwrap_or_default().to_owned(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// The signing key the test services use, so that tests can forge and tamper with tokens.
pub const TEST_SECRET: &str = "test-secret-that-is-at-least-32-bytes-long";
pub const ADMIN_PASSWORD: &str = "admin-password-for-tests";

pub struct TestApp {
    pub address: String,
    /// `http://127.0.0.1:port` of the metrics listener, when the settings ask for one.
    pub metrics_address: Option<String>,
    client: awc::Client,
    /// The first administrator's token, which the plain request methods send.
    pub admin_token: String,
    /// The database the service stores in.
    pub database_url: String,
    /// Dropped with the app: the database goes when the test ends.
    _database: TestDatabase,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| ()).await
}

/// Starts the service with settings changed by `adjust`.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    let _ = env_logger::builder().is_test(true).try_init();
    let (database, database_url) = TestDatabase::create();
    let mut settings = settings_for(database_url);
    adjust(&mut settings);
    let database_url = settings.database_url.clone();
    let app = Application::build(&settings).expect("the service starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    let metrics_address = app
        .metrics_port()
        .map(|port| format!("http://127.0.0.1:{port}"));
    actix_rt::spawn(app.run_until_stopped());
    let mut app = TestApp {
        address,
        metrics_address,
        client: awc::Client::builder()
            .timeout(std::time::Duration::from_secs(60))
            .disable_redirects()
            .finish(),
        admin_token: String::new(),
        database_url,
        _database: database,
    };
    app.admin_token = app.login("admin", ADMIN_PASSWORD).await;
    app
}

/// The settings the test services start with, on `database_url`.
pub fn settings_for(database_url: String) -> Settings {
    Settings {
        jwt_secret: Some(Secret::from(TEST_SECRET.to_owned())),
        admin_password: Some(Secret::from(ADMIN_PASSWORD.to_owned())),
        ..Settings::for_tests(database_url)
    }
}

/// Requests sent with one token (or none).
pub struct Requester<'a> {
    app: &'a TestApp,
    token: Option<String>,
}

impl Requester<'_> {
    /// Sends a request with a raw body and the given headers.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Answer {
        let mut request = self
            .app
            .client
            .request(method.clone(), format!("{}{path}", self.app.address));
        if let Some(token) = &self.token {
            request = request.insert_header(("authorization", format!("Bearer {token}")));
        }
        for (name, value) in headers {
            request = request.insert_header((*name, *value));
        }
        let mut response = request
            .send_body(body.clone())
            .await
            .expect("the service answers");
        let bytes = response
            .body()
            .limit(64 * 1024 * 1024)
            .await
            .expect("a body");
        let header = |headers: &HeaderMap| {
            headers
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let request_type = headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("content-type"))
            .map(|(_, value)| *value);
        if header(response.headers()).is_some_and(|t| t.contains("json")) {
            assert!(
                bytes.ends_with(b"\n"),
                "{path}: a JSON answer that does not end with a newline"
            );
        }
        contract::check(&contract::Exchange {
            method: method.as_str(),
            path,
            request_type,
            request_body: &body,
            status: response.status().as_u16(),
            response_type: header(response.headers()).as_deref(),
            response_body: &bytes,
        });
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        Answer {
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            body,
            bytes: bytes.to_vec(),
        }
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.send(Method::GET, path, &[], Vec::new()).await
    }

    pub async fn delete(&self, path: &str) -> Answer {
        self.send(Method::DELETE, path, &[], Vec::new()).await
    }

    pub async fn json(&self, method: Method, path: &str, body: &Value) -> Answer {
        self.json_with(method, path, &[], body).await
    }

    pub async fn json_with(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: &Value,
    ) -> Answer {
        let mut all = vec![("content-type", "application/json")];
        all.extend_from_slice(headers);
        self.send(method, path, &all, body.to_string().into_bytes())
            .await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Answer {
        self.json(Method::POST, path, body).await
    }

    pub async fn put(&self, path: &str, body: &Value) -> Answer {
        self.json(Method::PUT, path, body).await
    }

    pub async fn patch(&self, path: &str, body: &Value) -> Answer {
        self.json(Method::PATCH, path, body).await
    }
}

impl TestApp {
    /// Requests with the administrator's token.
    pub fn admin(&self) -> Requester<'_> {
        self.with_token(&self.admin_token)
    }

    pub fn with_token(&self, token: &str) -> Requester<'_> {
        Requester {
            app: self,
            token: Some(token.to_owned()),
        }
    }

    pub fn anonymous(&self) -> Requester<'_> {
        Requester {
            app: self,
            token: None,
        }
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Answer {
        self.admin().send(method, path, headers, body).await
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.admin().get(path).await
    }

    pub async fn delete(&self, path: &str) -> Answer {
        self.admin().delete(path).await
    }

    pub async fn json_with(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: &Value,
    ) -> Answer {
        self.admin().json_with(method, path, headers, body).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Answer {
        self.admin().post(path, body).await
    }

    pub async fn put(&self, path: &str, body: &Value) -> Answer {
        self.admin().put(path, body).await
    }

    pub async fn patch(&self, path: &str, body: &Value) -> Answer {
        self.admin().patch(path, body).await
    }

    /// Logs in; asserts that it worked and answers the token.
    pub async fn login(&self, username: &str, password: &str) -> String {
        let answer = self
            .anonymous()
            .post(
                "/api/v1/auth/token",
                &serde_json::json!({"username": username, "password": password}),
            )
            .await;
        assert_eq!(answer.status, 200, "login of {username}: {}", answer.body);
        answer.body["access_token"]
            .as_str()
            .expect("a token")
            .to_owned()
    }

    /// Creates a user with `role` (bound to `department` for units) and answers its token.
    pub async fn user_token(&self, username: &str, role: &str, department: Option<&str>) -> String {
        let password = format!("{username}-password");
        let mut body =
            serde_json::json!({"username": username, "password": password, "role": role});
        if let Some(department) = department {
            body["department"] = department.into();
        }
        let created = self.post("/api/v1/users", &body).await;
        assert_eq!(created.status, 201, "{}", created.body);
        self.login(username, &password).await
    }

    /// Whether `token` is refused on `/auth/me` within one second: how long a change made
    /// elsewhere (another server, a command-line job) may take to end a token.
    pub async fn refused_within_a_second(&self, token: &str) -> bool {
        let until = std::time::Instant::now() + std::time::Duration::from_secs(1);
        loop {
            if self.with_token(token).get("/api/v1/auth/me").await.status == 401 {
                return true;
            }
            if std::time::Instant::now() > until {
                return false;
            }
            actix_rt::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// Registers a department with a code, a name and a kind; asserts that it was created.
    pub async fn create_department(&self, code: &str, parent: Option<&str>) -> Answer {
        let mut body = serde_json::json!({"code": code, "name": format!("单位{code}"), "kind": "administrative"});
        if let Some(parent) = parent {
            body["parent_code"] = parent.into();
        }
        let answer = self.post("/api/v1/departments", &body).await;
        assert_eq!(answer.status, 201, "{}", answer.body);
        answer
    }
}

/// The seed as the unit posts it: `{"department": …, "report": …}`, read from
/// `tests/fixtures/kaifu-2021-government-office/`.
pub fn seed_fixture() -> Value {
    let read = |name: &str| -> Value {
        let path = format!(
            "{}/tests/fixtures/kaifu-2021-government-office/{name}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path} is not JSON: {e}"))
    };
    serde_json::json!({"department": read("department"), "report": read("report")})
}

pub fn evaluation_path(code: &str, year: i32) -> String {
    format!("/api/v1/departments/{code}/evaluations/{year}")
}
