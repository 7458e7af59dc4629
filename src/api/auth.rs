//! Authentication: login tokens (HS256, `JWT_SECRET`), service tokens of unit systems, and
//! tokens signed by the bureau's portal (`JWT_PUBLIC_KEY`). Every request's token is checked
//! against the store, so that disabling a user, changing a password or revoking a service
//! token takes effect on the token's next request.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, HttpResponse, get, post, web};
use chrono::Utc;
use jsonwebtoken::{
    Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, decode_header, encode,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::error::{ApiError, Problem};
use super::extract::JsonOrForm;
use crate::domain::FieldError;
use crate::domain::access::{Caller, Credential, Role};
use crate::domain::values::UnitCode;
use crate::store::Store;
use crate::store::service_tokens::{TOKEN_PREFIX, random_hex};
use crate::store::users::UserRecord;

/// The `iss` and `aud` of the tokens this service issues.
pub const ISSUER: &str = "perfeval";
pub const AUDIENCE: &str = "perfeval";
/// Clock difference tolerated on `exp`, in seconds.
const LEEWAY_SECONDS: u64 = 30;

/// The claims of a token, ours or the portal's.
#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<UnitCode>,
    pub iat: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
    pub jti: String,
    /// Login tokens only: the user's token generation when it was issued.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generation: Option<i64>,
}

/// A key that verifies the portal's tokens.
pub struct PortalKey {
    algorithm: Algorithm,
    key: DecodingKey,
    validation: Validation,
}

impl PortalKey {
    /// Reads a PEM public key (RSA → RS256, EC P-256 → ES256, Ed25519 → EdDSA).
    pub fn from_pem(pem: &[u8], issuer: &str, audience: &str) -> Result<Self, String> {
        let (algorithm, key) = DecodingKey::from_rsa_pem(pem)
            .map(|key| (Algorithm::RS256, key))
            .or_else(|_| DecodingKey::from_ec_pem(pem).map(|key| (Algorithm::ES256, key)))
            .or_else(|_| DecodingKey::from_ed_pem(pem).map(|key| (Algorithm::EdDSA, key)))
            .map_err(|_| {
                "JWT_PUBLIC_KEY is not an RSA, EC P-256 or Ed25519 public key in PEM".to_owned()
            })?;
        Ok(Self {
            algorithm,
            key,
            validation: validation(algorithm, issuer, audience),
        })
    }

    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }
}

fn validation(algorithm: Algorithm, issuer: &str, audience: &str) -> Validation {
    let mut validation = Validation::new(algorithm);
    validation.set_issuer(&[issuer]);
    validation.set_audience(&[audience]);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    validation.leeway = LEEWAY_SECONDS;
    validation
}

/// Issues and checks tokens.
pub struct Authenticator {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    portal: Option<PortalKey>,
    ttl_seconds: i64,
}

impl Authenticator {
    pub fn new(secret: &[u8], portal: Option<PortalKey>, ttl_seconds: u32) -> Result<Self, String> {
        let unusable =
            |e: jsonwebtoken::errors::Error| format!("JWT_SECRET cannot be used as a key: {e}");
        Ok(Self {
            encoding: EncodingKey::from_secret(secret).map_err(unusable)?,
            decoding: DecodingKey::from_secret(secret).map_err(unusable)?,
            validation: validation(Algorithm::HS256, ISSUER, AUDIENCE),
            portal,
            ttl_seconds: i64::from(ttl_seconds),
        })
    }

    /// A login token for `user`, of the user's current token generation.
    fn issue(&self, user: &UserRecord) -> Result<TokenAnswer, ApiError> {
        let now = Utc::now().timestamp();
        let claims = Claims {
            sub: user.username.to_string(),
            role: user.role,
            department: user.department.clone(),
            iat: now,
            exp: now + self.ttl_seconds,
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
            jti: random_hex()?[..32].to_owned(),
            generation: Some(user.token_generation),
        };
        let access_token = encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| ApiError::Internal(format!("token signing failed: {e}")))?;
        Ok(TokenAnswer {
            access_token,
            token_type: "Bearer",
            expires_in: claims.exp - now,
        })
    }

    async fn caller(
        &self,
        store: web::Data<Store>,
        authorization: Option<&str>,
    ) -> Result<Caller, ApiError> {
        let token = match authorization {
            None => return Err(ApiError::Unauthenticated(None)),
            Some(value) => value
                .strip_prefix("Bearer ")
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .ok_or_else(|| invalid_token("the Authorization header must be `Bearer <token>`"))?
                .to_owned(),
        };
        if token.starts_with(TOKEN_PREFIX) {
            let record = web::block(move || store.service_token(&token))
                .await??
                .ok_or_else(|| invalid_token("the service token is unknown or revoked"))?;
            return Ok(Caller {
                subject: format!("service-token:{}", record.id),
                role: Role::Unit,
                department: Some(record.department),
                credential: Credential::ServiceToken,
            });
        }
        let header = decode_header(&token).map_err(|_| invalid_token("the token is not a JWT"))?;
        if header.alg == Algorithm::HS256 {
            let claims = decode::<Claims>(&token, &self.decoding, &self.validation)
                .map_err(|e| invalid_token(&format!("the token is not valid: {e}")))?
                .claims;
            let name = claims
                .sub
                .parse()
                .map_err(|_| invalid_token("the token names no user"))?;
            let user = match web::block(move || store.user(&name)).await? {
                Ok(user) => user,
                Err(crate::store::StoreError::NotFound(_)) => {
                    return Err(invalid_token("the token's user does not exist"));
                }
                Err(other) => return Err(other.into()),
            };
            if user.disabled {
                return Err(invalid_token("the user is disabled"));
            }
            if claims.generation != Some(user.token_generation) {
                return Err(invalid_token(
                    "the token was issued before the user's password or rights changed; log in again",
                ));
            }
            return Ok(Caller {
                subject: user.username.to_string(),
                role: user.role,
                department: user.department,
                credential: Credential::Login,
            });
        }
        match &self.portal {
            Some(portal) if header.alg == portal.algorithm => {
                let claims = decode::<Claims>(&token, &portal.key, &portal.validation)
                    .map_err(|e| invalid_token(&format!("the portal token is not valid: {e}")))?
                    .claims;
                if claims.role == Role::Unit && claims.department.is_none() {
                    return Err(invalid_token("a unit token must name its department"));
                }
                Ok(Caller {
                    subject: claims.sub,
                    role: claims.role,
                    department: claims.department.filter(|_| claims.role == Role::Unit),
                    credential: Credential::Portal,
                })
            }
            _ => Err(invalid_token(&format!(
                "tokens signed with {:?} are not accepted",
                header.alg
            ))),
        }
    }
}

fn invalid_token(reason: &str) -> ApiError {
    ApiError::Unauthenticated(Some(reason.to_owned()))
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let authenticator = req.app_data::<web::Data<Authenticator>>().cloned();
        let store = req.app_data::<web::Data<Store>>().cloned();
        let authorization = req
            .headers()
            .get(header::AUTHORIZATION)
            .map(|v| v.to_str().map(str::to_owned).unwrap_or_default());
        Box::pin(async move {
            let (Some(authenticator), Some(store)) = (authenticator, store) else {
                return Err(ApiError::Internal(
                    "authentication is not configured".to_owned(),
                ));
            };
            authenticator.caller(store, authorization.as_deref()).await
        })
    }
}

/// Failed logins per user name and per client address, in a sliding window.
pub struct LoginLimiter {
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl Default for LoginLimiter {
    fn default() -> Self {
        Self {
            failures: Mutex::new(HashMap::new()),
        }
    }
}

impl LoginLimiter {
    /// How long the failures are remembered.
    pub const WINDOW: Duration = Duration::from_secs(300);
    /// Failed logins allowed per user name within the window.
    pub const PER_USERNAME: usize = 5;
    /// Failed logins allowed per client address within the window.
    pub const PER_ADDRESS: usize = 20;

    fn keys(username: &str, address: &str) -> [(String, usize); 2] {
        [
            (
                format!("user:{}", username.to_lowercase()),
                Self::PER_USERNAME,
            ),
            (format!("addr:{address}"), Self::PER_ADDRESS),
        ]
    }

    /// Counts a login attempt for this name and address, as a failure until it succeeds; or
    /// `Err(wait)` when they have failed too often lately. Counting before the password is
    /// checked keeps a burst of parallel attempts within the limit.
    fn begin(&self, username: &str, address: &str) -> Result<Instant, Duration> {
        let now = Instant::now();
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if failures.len() > 100_000 {
            failures.retain(|_, times| {
                times
                    .back()
                    .is_some_and(|t| now.duration_since(*t) < Self::WINDOW)
            });
        }
        let mut wait = None;
        for (key, limit) in Self::keys(username, address) {
            if let Some(times) = failures.get_mut(&key) {
                while times
                    .front()
                    .is_some_and(|t| now.duration_since(*t) >= Self::WINDOW)
                {
                    times.pop_front();
                }
                if times.len() >= limit
                    && let Some(oldest) = times.front()
                {
                    let left = Self::WINDOW.saturating_sub(now.duration_since(*oldest));
                    wait = Some(wait.map_or(left, |w: Duration| w.max(left)));
                }
            }
        }
        if let Some(wait) = wait {
            return Err(wait);
        }
        for (key, _) in Self::keys(username, address) {
            failures.entry(key).or_default().push_back(now);
        }
        Ok(now)
    }

    /// The attempt begun at `at` succeeded: it no longer counts as a failure.
    fn succeeded(&self, username: &str, address: &str, at: Instant) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        for (key, _) in Self::keys(username, address) {
            if let Some(times) = failures.get_mut(&key)
                && let Some(position) = times.iter().rposition(|t| *t == at)
            {
                times.remove(position);
            }
        }
    }
}

/// A user name and password.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Login {
    pub username: String,
    #[schema(format = Password)]
    pub password: String,
}

/// The only grant the token endpoint takes.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GrantType {
    Password,
}

/// The OAuth 2.0 password grant (RFC 6749 §4.3), as a form: what the docs UI's Authorize
/// dialog and OAuth clients send. Scopes and client credentials are not used and are ignored.
#[derive(Deserialize, ToSchema)]
pub struct PasswordGrant {
    pub grant_type: GrantType,
    pub username: String,
    #[schema(format = Password)]
    pub password: String,
    /// Ignored: a token carries the user's role, not scopes.
    pub scope: Option<String>,
    /// Ignored.
    pub client_id: Option<String>,
    /// Ignored.
    pub client_secret: Option<String>,
}

impl From<PasswordGrant> for Login {
    fn from(grant: PasswordGrant) -> Self {
        Self {
            username: grant.username,
            password: grant.password,
        }
    }
}

/// Reads a login as JSON, or as the OAuth 2.0 password grant form.
fn read_login(body: JsonOrForm) -> Result<Login, ApiError> {
    match body {
        JsonOrForm::Json(json) => json.parse("", "login"),
        JsonOrForm::Form(form) => serde_urlencoded::from_bytes::<PasswordGrant>(&form)
            .map(Login::from)
            .map_err(|e| ApiError::InvalidBody {
                what: "password grant",
                errors: vec![FieldError::new("", e.to_string())],
            }),
    }
}

/// A login token: the OAuth 2.0 token response (RFC 6749 §5.1).
#[derive(Serialize, ToSchema)]
pub struct TokenAnswer {
    /// The JWT to send as `Authorization: Bearer <token>`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until it expires.
    pub expires_in: i64,
}

/// Logs in with a user name and password and answers a bearer token (HS256 JWT with `sub`,
/// `role`, `department` for units, `iat`, `exp`, `iss`, `aud`, `jti`, and `generation`, which
/// ends the token when the user's password or rights change). The body is JSON, or the OAuth
/// 2.0 password grant as a form (`grant_type=password&username=…&password=…`), which is how the
/// docs UI's Authorize dialog logs in; either way the answer is the OAuth 2.0 token response.
/// Roles: anyone. After
/// 5 failed logins for one user name, or 20 from one address, within 5 minutes, further
/// attempts get 429 with `Retry-After`.
#[utoipa::path(tag = "auth", security(()),
    request_body(content(
        (Login = "application/json"),
        (PasswordGrant = "application/x-www-form-urlencoded"),
    )),
    responses(
    (status = 200, description = "Logged in", body = TokenAnswer),
    (status = 401, description = "Wrong user name or password, or the user is disabled", body = Problem, content_type = "application/problem+json"),
    (status = 429, description = "Too many failed logins", body = Problem, content_type = "application/problem+json",
        headers(("Retry-After" = u64, description = "Seconds to wait"))),
))]
#[post("/auth/token")]
pub async fn login(
    req: HttpRequest,
    store: web::Data<Store>,
    authenticator: web::Data<Authenticator>,
    limiter: web::Data<LoginLimiter>,
    body: JsonOrForm,
) -> Result<HttpResponse, ApiError> {
    let login = read_login(body)?;
    let address = req
        .peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default();
    let attempt =
        limiter
            .begin(&login.username, &address)
            .map_err(|wait| ApiError::TooManyRequests {
                retry_after: wait.as_secs().max(1),
            })?;
    let username = login.username.clone();
    let user = web::block(move || store.authenticate(&login.username, &login.password)).await??;
    match user {
        Some(user) => {
            limiter.succeeded(&username, &address, attempt);
            Ok(HttpResponse::Ok()
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .insert_header((header::PRAGMA, "no-cache"))
                .json(authenticator.issue(&user)?))
        }
        None => Err(ApiError::InvalidCredentials),
    }
}

/// Who the token says the caller is. Roles: any authenticated caller.
#[utoipa::path(tag = "auth", responses(
    (status = 200, description = "The caller", body = Caller),
    (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
))]
#[get("/auth/me")]
pub async fn me(caller: Caller) -> HttpResponse {
    HttpResponse::Ok().json(caller)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_that_failed_too_often_waits_and_others_do_not() {
        let limiter = LoginLimiter::default();
        for _ in 0..LoginLimiter::PER_USERNAME {
            assert!(limiter.begin("zhang", "10.0.0.1").is_ok());
        }
        let wait = limiter.begin("ZHANG", "10.0.0.2").unwrap_err();
        assert!(wait > Duration::from_secs(290));
        assert!(limiter.begin("li", "10.0.0.2").is_ok());
    }

    #[test]
    fn an_address_that_failed_too_often_waits() {
        let limiter = LoginLimiter::default();
        for i in 0..LoginLimiter::PER_ADDRESS {
            assert!(limiter.begin(&format!("user{i}"), "10.0.0.9").is_ok());
        }
        assert!(limiter.begin("new", "10.0.0.9").is_err());
        assert!(limiter.begin("new", "10.0.0.8").is_ok());
    }

    #[test]
    fn a_successful_login_does_not_count_against_the_name() {
        let limiter = LoginLimiter::default();
        for _ in 0..LoginLimiter::PER_USERNAME * 2 {
            let at = limiter.begin("wang", "10.0.0.3").unwrap();
            limiter.succeeded("wang", "10.0.0.3", at);
        }
        assert!(limiter.begin("wang", "10.0.0.3").is_ok());
    }
}
