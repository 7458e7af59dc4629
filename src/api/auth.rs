//! Authentication: login tokens (HS256, `JWT_SECRET`), service tokens of unit systems, and
//! tokens signed by the bureau's portal (`JWT_PUBLIC_KEY`). Every request's token is checked
//! against the store, so that disabling a user, changing a password or revoking a service
//! token takes effect on the token's next request.
//!
//! One file, longer than most: the three kinds of token, the login with its limiter and the
//! `Caller` extractor share the refusals they answer and the audit notes they leave.

use std::future::Future;
use std::hash::{BuildHasher, RandomState};
use std::net::{IpAddr, Ipv4Addr};
use std::pin::Pin;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{
    FromRequest, HttpMessage, HttpRequest, HttpResponse, ResponseError, get, post, web,
};
use chrono::Utc;
use jsonwebtoken::{
    Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, decode_header, encode,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::audit::{RefusedCredential, logged_address};
use super::error::{ApiError, Problem};
use super::extract::JsonOrForm;
use crate::app;
use crate::app::Store;
use crate::app::audit::{AuditPolicy, Kind};
use crate::app::callers::{TOKEN_PREFIX, UserRecord};
use crate::app::login::{CROSS_SITE_LOGIN, LOGIN_THROTTLED, LOGIN_UNREAD, LoginRequest, log_in};
use crate::domain::FieldError;
use crate::domain::access::{Caller, Credential, Role};
use crate::domain::values::UnitCode;
use crate::hex::random_hex;

/// The `iss` and `aud` of the tokens this service issues.
pub const ISSUER: &str = "perfeval";
pub const AUDIENCE: &str = "perfeval";
/// Clock difference tolerated on `exp`, `nbf` and `iat`, in seconds.
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
    /// Not before: the token is refused until then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    pub iss: String,
    pub aud: Audience,
    pub jti: String,
    /// Login tokens only: the user's token generation when it was issued.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generation: Option<i64>,
}

/// `aud`: one audience, or several, as many identity providers send it.
#[derive(Debug, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Audience {
    One(String),
    Several(Vec<String>),
}

/// A key that verifies the portal's tokens.
pub struct PortalKey {
    algorithm: Algorithm,
    key: DecodingKey,
    validation: Validation,
    /// The longest a portal token may live, `exp` − `iat`, in seconds.
    max_lifetime: i64,
}

impl PortalKey {
    /// Reads a PEM public key (RSA → RS256, EC P-256 → ES256, Ed25519 → EdDSA); the portal's
    /// tokens must name `issuer` and `audience`, and live at most `max_lifetime` seconds.
    pub fn from_pem(
        pem: &[u8],
        issuer: &str,
        audience: &str,
        max_lifetime: u32,
    ) -> Result<Self, String> {
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
            max_lifetime: i64::from(max_lifetime),
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
    validation.validate_nbf = true;
    validation.leeway = LEEWAY_SECONDS;
    validation
}

/// Checks a token and answers its claims; a refusal says why in the service's own words.
fn verify(
    token: &str,
    key: &DecodingKey,
    validation: &Validation,
    max_lifetime: Option<i64>,
) -> Result<Claims, ApiError> {
    use jsonwebtoken::errors::ErrorKind;
    let claims = decode::<Claims>(token, key, validation)
        .map_err(|e| {
            invalid_token(match e.kind() {
                ErrorKind::ExpiredSignature => "the token has expired",
                ErrorKind::ImmatureSignature => "the token is not valid yet (nbf)",
                ErrorKind::InvalidIssuer => "the token's issuer (iss) is not trusted here",
                ErrorKind::InvalidAudience => "the token is meant for another service (aud)",
                ErrorKind::InvalidSignature => "the token's signature does not verify",
                ErrorKind::MissingRequiredClaim(_)
                | ErrorKind::InvalidClaimFormat(_)
                | ErrorKind::Json(_) => {
                    "the token's claims are incomplete or of the wrong kind (sub, role, iat, exp, iss, aud, jti)"
                }
                _ => "the token is not valid",
            })
        })?
        .claims;
    let now = Utc::now().timestamp();
    let leeway = i64::try_from(LEEWAY_SECONDS).unwrap_or(0);
    if claims.iat > now + leeway {
        return Err(invalid_token("the token was issued in the future (iat)"));
    }
    if let Some(max_lifetime) = max_lifetime
        && claims.exp - claims.iat > max_lifetime
    {
        return Err(invalid_token(&format!(
            "the token lives longer than the {max_lifetime} s this service accepts (exp − iat)"
        )));
    }
    Ok(claims)
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
            nbf: None,
            iss: ISSUER.to_owned(),
            aud: Audience::One(AUDIENCE.to_owned()),
            jti: random_hex().map_err(|e| ApiError::caused("no randomness", e))?[..32].to_owned(),
            generation: Some(user.token_generation),
        };
        let access_token = encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| ApiError::caused("token signing failed", e))?;
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
            let record = match app::callers::recent_service_token(&store, &token) {
                Some(live) => live,
                None => {
                    super::request_id::block(move || app::callers::service_token(&store, &token))
                        .await??
                }
                .ok_or_else(|| invalid_token("the service token is unknown or revoked"))?,
            };
            return Ok(Caller {
                subject: format!("service-token:{}", record.id),
                role: Role::Unit,
                department: Some(record.department),
                credential: Credential::ServiceToken,
            });
        }
        let header = decode_header(&token).map_err(|_| invalid_token("the token is not a JWT"))?;
        if header.alg == Algorithm::HS256 {
            let claims = verify(&token, &self.decoding, &self.validation, None)?;
            let name = claims
                .sub
                .parse()
                .map_err(|_| invalid_token("the token names no user"))?;
            let read = match app::callers::recent_user(&store, &name) {
                Some(user) => Some(user),
                None => {
                    super::request_id::block(move || app::callers::user(&store, &name)).await??
                }
            };
            let user = read.ok_or_else(|| invalid_token("the token's user does not exist"))?;
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
                let claims = verify(
                    &token,
                    &portal.key,
                    &portal.validation,
                    Some(portal.max_lifetime),
                )?;
                if claims.role == Role::Unit && claims.department.is_none() {
                    return Err(invalid_token("a unit token must name its department"));
                }
                // The portal's users are not ours: its `admin` is not the local administrator.
                Ok(Caller {
                    subject: format!("portal:{}", claims.sub),
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
        let req = req.clone();
        Box::pin(async move {
            let (Some(authenticator), Some(store)) = (authenticator, store) else {
                return Err(ApiError::internal("authentication is not configured"));
            };
            let caller = authenticator.caller(store, authorization.as_deref()).await;
            // For the audit log (`audit::refused_credentials`): why a credential that was
            // shown was refused.
            if let Err(ApiError::Unauthenticated(Some(reason))) = &caller {
                req.extensions_mut()
                    .insert(RefusedCredential(reason.clone()));
            }
            caller
        })
    }
}

/// Failed logins in a sliding window, counted three ways: per user name and client address
/// (refused past a limit), per client address (refused past a limit), and per user name from
/// every address (slowed down, never refused: a name that anyone can lock out is a way to shut
/// its owner out). Counters live in a table of fixed size whose keys are keyed hashes of a
/// capped name and an address, so no request can make it grow; when a set of the table is
/// full, the counter whose last failure is oldest gives way.
pub struct LoginLimiter {
    hasher: RandomState,
    started: Instant,
    table: Mutex<Vec<Counter>>,
}

/// Failures of one key: when each happened, in seconds since the limiter started, oldest
/// first. `key` 0 is a free place.
#[derive(Clone, Copy, Default)]
struct Counter {
    key: u64,
    failures: [u32; LoginLimiter::REMEMBERED],
    len: u8,
}

impl Counter {
    fn forget_before(&mut self, cutoff: u32) {
        let expired = self.failures[..usize::from(self.len)]
            .iter()
            .take_while(|t| **t < cutoff)
            .count();
        self.failures.copy_within(expired..usize::from(self.len), 0);
        self.len -= u8::try_from(expired).unwrap_or(self.len);
    }

    fn count(&self) -> usize {
        usize::from(self.len)
    }

    fn oldest(&self) -> Option<u32> {
        (self.len > 0).then(|| self.failures[0])
    }

    fn newest(&self) -> Option<u32> {
        self.len
            .checked_sub(1)
            .map(|last| self.failures[usize::from(last)])
    }

    fn push(&mut self, at: u32) {
        if self.count() == LoginLimiter::REMEMBERED {
            self.failures.copy_within(1.., 0);
            self.len -= 1;
        }
        self.failures[self.count()] = at;
        self.len += 1;
    }

    fn remove(&mut self, at: u32) {
        let len = self.count();
        if let Some(position) = self.failures[..len].iter().rposition(|t| *t == at) {
            self.failures.copy_within(position + 1..len, position);
            self.len -= 1;
        }
    }
}

/// What a key counts.
#[derive(Hash)]
enum Key<'a> {
    NameAtAddress(&'a [u8], &'a [u8]),
    Address(&'a [u8]),
    Name(&'a [u8]),
}

/// A login attempt under way: counted as a failure until it succeeds.
#[derive(Debug, Clone, Copy)]
pub struct Attempt {
    at: u32,
    /// The name has failed so often lately, from anywhere, that this attempt waits first.
    pub slowed_down: bool,
}

impl Default for LoginLimiter {
    fn default() -> Self {
        Self {
            hasher: RandomState::new(),
            started: Instant::now(),
            table: Mutex::new(vec![Counter::default(); Self::TABLE_SIZE]),
        }
    }
}

impl LoginLimiter {
    /// How long the failures are remembered.
    pub const WINDOW: Duration = Duration::from_secs(300);
    /// Failed logins allowed per user name from one address within the window.
    pub const PER_NAME_AND_ADDRESS: usize = 5;
    /// Failed logins allowed per client address within the window.
    pub const PER_ADDRESS: usize = 20;
    /// Failed logins for a name, from all addresses, after which its attempts are slowed down.
    pub const NAME_SLOWED_AFTER: usize = 10;
    /// How long an attempt at a slowed-down name waits before its password is checked.
    pub const SLOW_DOWN: Duration = Duration::from_secs(1);
    /// The longest part of a user name that is counted: the longest user name there can be.
    pub const NAME_BYTES: usize = 64;
    /// Counters in the table (about 90 bytes each), in sets of `WAYS`.
    const TABLE_SIZE: usize = 16_384;
    const WAYS: usize = 8;
    /// The most failures a counter remembers: the highest of the limits.
    const REMEMBERED: usize = 20;

    fn seconds(&self, at: Instant) -> u32 {
        u32::try_from(at.duration_since(self.started).as_secs()).unwrap_or(u32::MAX)
    }

    fn keys(&self, username: &str, address: IpAddr) -> [(u64, usize); 3] {
        let name: Vec<u8> = username
            .bytes()
            .take(Self::NAME_BYTES)
            .map(|b| b.to_ascii_lowercase())
            .collect();
        // An IPv6 client commonly holds a whole /64: it counts as one address.
        let address: Vec<u8> = match address {
            IpAddr::V4(v4) => v4.octets().to_vec(),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => v4.octets().to_vec(),
                None => v6.octets()[..8].to_vec(),
            },
        };
        let hash = |key: Key<'_>| self.hasher.hash_one(key).max(1);
        [
            (
                hash(Key::NameAtAddress(&name, &address)),
                Self::PER_NAME_AND_ADDRESS,
            ),
            (hash(Key::Address(&address)), Self::PER_ADDRESS),
            (hash(Key::Name(&name)), usize::MAX),
        ]
    }

    /// The places of the table where `key` may be kept.
    fn set_of(table: &mut [Counter], key: u64) -> &mut [Counter] {
        let sets = Self::TABLE_SIZE / Self::WAYS;
        let start = usize::try_from(key % sets as u64).unwrap_or(0) * Self::WAYS;
        &mut table[start..start + Self::WAYS]
    }

    /// The counter of `key`, if it has one.
    fn existing(table: &mut [Counter], key: u64) -> Option<&mut Counter> {
        Self::set_of(table, key).iter_mut().find(|c| c.key == key)
    }

    /// The counter of `key`, made free for it when it has none, in its set of the table.
    fn counter(table: &mut [Counter], key: u64, cutoff: u32) -> &mut Counter {
        let set = Self::set_of(table, key);
        let place = set
            .iter()
            .position(|c| c.key == key)
            .or_else(|| {
                set.iter()
                    .position(|c| c.key == 0 || c.newest().is_none_or(|t| t < cutoff))
            })
            .unwrap_or_else(|| {
                (0..Self::WAYS)
                    .min_by_key(|&i| set[i].newest().unwrap_or(0))
                    .unwrap_or(0)
            });
        let counter = &mut set[place];
        if counter.key != key {
            *counter = Counter {
                key,
                ..Counter::default()
            };
        }
        counter.forget_before(cutoff);
        counter
    }

    /// Counts a login attempt for this name and address, as a failure until it succeeds; or
    /// `Err(wait)` when this name from this address, or this address, failed too often lately.
    /// Counting before the password is checked keeps a burst of parallel attempts within the
    /// limit.
    fn begin(&self, username: &str, address: IpAddr) -> Result<Attempt, Duration> {
        let now = self.seconds(Instant::now());
        let window = u32::try_from(Self::WINDOW.as_secs()).unwrap_or(u32::MAX);
        let cutoff = now.saturating_sub(window - 1);
        let keys = self.keys(username, address);
        let mut table = self.table.lock().unwrap_or_else(|e| e.into_inner());
        let mut wait = None;
        // Only looked up: an attempt that is refused takes no place in the table.
        for (key, limit) in keys {
            let Some(counter) = Self::existing(&mut table, key) else {
                continue;
            };
            counter.forget_before(cutoff);
            if counter.count() >= limit
                && let Some(oldest) = counter.oldest()
            {
                let left = u64::from(window.saturating_sub(now - oldest));
                wait = Some(wait.map_or(left, |w: u64| w.max(left)));
            }
        }
        if let Some(wait) = wait {
            return Err(Duration::from_secs(wait));
        }
        let mut slowed_down = false;
        for (key, limit) in keys {
            let counter = Self::counter(&mut table, key, cutoff);
            if limit == usize::MAX {
                slowed_down = counter.count() >= Self::NAME_SLOWED_AFTER;
            }
            counter.push(now);
        }
        Ok(Attempt {
            at: now,
            slowed_down,
        })
    }

    /// The attempt succeeded: it no longer counts as a failure.
    fn succeeded(&self, username: &str, address: IpAddr, attempt: Attempt) {
        let mut table = self.table.lock().unwrap_or_else(|e| e.into_inner());
        for (key, _) in self.keys(username, address) {
            if let Some(counter) = Self::existing(&mut table, key) {
                counter.remove(attempt.at);
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
#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GrantType {
    Password,
}

/// The OAuth 2.0 password grant (RFC 6749 §4.3), as a form: what the docs UI's Authorize
/// dialog and OAuth clients send. Scopes and client credentials are not used and are ignored.
#[derive(Deserialize)]
pub struct PasswordGrant {
    pub grant_type: GrantType,
    pub username: String,
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
                errors: vec![FieldError::new("", super::extract::refusal(&e.to_string()))],
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

/// The web origins, besides the service's own, whose pages may post the login form
/// (`PERFEVAL_CORS_ORIGINS`).
#[derive(Debug, Clone, Default)]
pub struct LoginOrigins(pub Vec<String>);

/// Why a browser's request comes from a page of another site that may not log in here, if it
/// does. The form login is a CORS-simple request: a page anywhere can make a browser post it
/// (`no-cors`), without reading the answer but spending the limiter's budget for the
/// browser's address. Browsers say where a request comes from: `Sec-Fetch-Site` (every
/// current browser) and `Origin` (every cross-origin POST); clients that are not browsers send
/// neither and are not concerned.
fn cross_site(req: &HttpRequest, allowed: &[String]) -> Option<String> {
    let headers = req.headers();
    let origin = headers
        .get(header::ORIGIN)
        .map(|value| value.to_str().unwrap_or("null"));
    if origin.is_some_and(|origin| allowed.iter().any(|a| a == origin)) {
        return None;
    }
    let refused = |from: &str| {
        Some(format!(
            "a login posted by a page of {from} is refused: log in from this service's own pages, \
             from an origin in PERFEVAL_CORS_ORIGINS, or from a client that is not a browser"
        ))
    };
    match headers.get("sec-fetch-site").map(|v| v.as_bytes()) {
        Some(b"same-origin" | b"none") => return None,
        Some(_) => return refused(origin.unwrap_or("another site")),
        None => {}
    }
    let origin = origin?;
    let own = req.connection_info().host().to_ascii_lowercase();
    let authority = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"));
    match authority {
        Some(authority) if authority.eq_ignore_ascii_case(&own) => None,
        _ => refused(origin),
    }
}

/// Logs in with a user name and password and answers a bearer token (HS256 JWT with `sub`,
/// `role`, `department` for units, `iat`, `exp`, `iss`, `aud`, `jti`, and `generation`, which
/// ends the token when the user's password or rights change). The body is JSON, or the OAuth
/// 2.0 password grant as a form (`application/x-www-form-urlencoded`:
/// `grant_type=password&username=…&password=…`, `scope`, `client_id` and `client_secret`
/// ignored), which is how the docs UI's Authorize dialog logs in — the form is described by
/// the `password` security scheme, whose token URL this is, so that a generated client has
/// one body type here; either way the answer is the OAuth 2.0 token response.
/// Roles: anyone. A browser may post it only from this service's own pages or from an origin in
/// `PERFEVAL_CORS_ORIGINS`: a post that `Sec-Fetch-Site` or `Origin` shows to come from another
/// site is refused with 403 and counts as no failed login. After 5 failed logins for one user
/// name from one address, or 20 from one address, within 5 minutes, further attempts from that
/// address get 429 with `Retry-After`; after 10 failed logins for a name from anywhere, every
/// attempt at it waits a second before it is answered. The login is written to the audit log
/// before it is answered: when it cannot be, the answer is 503 and no token is issued.
#[utoipa::path(tag = "auth", security(()),
    request_body(content((Login = "application/json"))),
    responses(
    (status = 200, description = "Logged in", body = TokenAnswer),
    (status = 401, description = "Wrong user name or password, or the user is disabled", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "A browser posted the login from a page of another site (`cross_site_request`)", body = Problem, content_type = "application/problem+json"),
    (status = 429, description = "Too many failed logins from this address", body = Problem, content_type = "application/problem+json",
        headers(("Retry-After" = u64, description = "Seconds to wait"))),
    (status = 503, description = "The audit log cannot be written (`storage_full` when the database's disk is full, with `Retry-After: 30`), or the database is unavailable: no token is issued", body = Problem, content_type = "application/problem+json"),
))]
#[post("/auth/token")]
pub async fn login(
    req: HttpRequest,
    store: web::Data<Store>,
    authenticator: web::Data<Authenticator>,
    limiter: web::Data<LoginLimiter>,
    policy: web::Data<AuditPolicy>,
    origins: web::Data<LoginOrigins>,
    body: JsonOrForm,
) -> Result<HttpResponse, ApiError> {
    let peer = req.peer_addr().map(|a| a.ip());
    let address = peer.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    let (login, attempt) = match before_password(&req, &origins.0, body, &limiter, address) {
        Ok(begun) => begun,
        Err(refused) => {
            let why = match refused {
                ApiError::CrossSite(_) => CROSS_SITE_LOGIN,
                ApiError::TooManyRequests { .. } => LOGIN_THROTTLED,
                _ => LOGIN_UNREAD,
            };
            let status = refused.status_code().as_u16();
            let address = peer.map(|peer| logged_address(peer, Kind::Anonymous));
            super::request_id::block(move || {
                app::login::refused_unread(&store, &policy, address, why, status);
            })
            .await?;
            return Err(refused);
        }
    };
    if attempt.slowed_down {
        actix_web::rt::time::sleep(LoginLimiter::SLOW_DOWN).await;
    }
    let username = login.username.clone();
    let user = super::request_id::block(move || {
        log_in(
            &store,
            &policy,
            LoginRequest {
                username: &login.username,
                password: &login.password,
                address: peer.map(|peer| logged_address(peer, Kind::Own)),
            },
        )
    })
    .await??;
    match user {
        Some(user) => {
            limiter.succeeded(&username, address, attempt);
            Ok(HttpResponse::Ok()
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .insert_header((header::PRAGMA, "no-cache"))
                .json(authenticator.issue(&user)?))
        }
        None => Err(ApiError::InvalidCredentials),
    }
}

/// The login read from `body` and begun with the limiter, or why it is refused before its
/// password is checked. A page of another site is refused before anything is counted: it
/// spends no one's budget.
fn before_password(
    req: &HttpRequest,
    origins: &[String],
    body: JsonOrForm,
    limiter: &LoginLimiter,
    address: IpAddr,
) -> Result<(Login, Attempt), ApiError> {
    if let Some(refused) = cross_site(req, origins) {
        return Err(ApiError::CrossSite(refused));
    }
    let asked = read_login(body)?;
    let attempt =
        limiter
            .begin(&asked.username, address)
            .map_err(|wait| ApiError::TooManyRequests {
                retry_after: wait.as_secs().max(1),
            })?;
    Ok((asked, attempt))
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

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn a_login_is_cross_site_when_the_browser_says_it_comes_from_another_sites_page() {
        let allowed = vec!["https://portal.example.gov.cn".to_owned()];
        let cross = |headers: &[(&str, &str)]| {
            let mut req = actix_web::test::TestRequest::default()
                .insert_header(("host", "perfeval.example.gov.cn"));
            for header in headers {
                req = req.insert_header(*header);
            }
            cross_site(&req.to_http_request(), &allowed).is_some()
        };
        // Not a browser, or a browser on the service's own page or an allowed origin.
        assert!(!cross(&[]));
        assert!(!cross(&[("sec-fetch-site", "same-origin")]));
        assert!(!cross(&[("sec-fetch-site", "none")]));
        assert!(!cross(&[("origin", "https://perfeval.example.gov.cn")]));
        assert!(!cross(&[("origin", "http://PERFEVAL.example.gov.cn")]));
        assert!(!cross(&[
            ("origin", "https://portal.example.gov.cn"),
            ("sec-fetch-site", "cross-site")
        ]));
        // Another site's page, whatever the browser sends.
        assert!(cross(&[("sec-fetch-site", "cross-site")]));
        assert!(cross(&[("sec-fetch-site", "same-site")]));
        assert!(cross(&[("origin", "null")]));
        assert!(cross(&[("origin", "https://evil.example")]));
        assert!(cross(&[(
            "origin",
            "https://perfeval.example.gov.cn.evil.example"
        )]));
        assert!(cross(&[("origin", "https://perfeval.example.gov.cn:8443")]));
        assert!(cross(&[("origin", "ftp://perfeval.example.gov.cn")]));
    }

    #[test]
    fn a_name_that_failed_too_often_from_one_address_waits_there_only() {
        let limiter = LoginLimiter::default();
        for _ in 0..LoginLimiter::PER_NAME_AND_ADDRESS {
            assert!(limiter.begin("zhang", ip("10.0.0.1")).is_ok());
        }
        let wait = limiter.begin("ZHANG", ip("10.0.0.1")).unwrap_err();
        assert!(wait > Duration::from_secs(290));
        assert!(limiter.begin("zhang", ip("10.0.0.2")).is_ok());
        assert!(limiter.begin("li", ip("10.0.0.1")).is_ok());
    }

    #[test]
    fn an_address_that_failed_too_often_waits() {
        let limiter = LoginLimiter::default();
        for i in 0..LoginLimiter::PER_ADDRESS {
            assert!(limiter.begin(&format!("user{i}"), ip("10.0.0.9")).is_ok());
        }
        assert!(limiter.begin("new", ip("10.0.0.9")).is_err());
        assert!(limiter.begin("new", ip("10.0.0.8")).is_ok());
    }

    #[test]
    fn addresses_of_one_ipv6_network_count_as_one() {
        let limiter = LoginLimiter::default();
        for i in 0..LoginLimiter::PER_ADDRESS {
            let address = ip(&format!("2001:db8:1:2::{:x}", i + 1));
            assert!(limiter.begin(&format!("user{i}"), address).is_ok());
        }
        assert!(limiter.begin("new", ip("2001:db8:1:2::ffff")).is_err());
        assert!(limiter.begin("new", ip("2001:db8:1:3::1")).is_ok());
    }

    #[test]
    fn a_name_that_failed_from_many_addresses_is_slowed_down_not_refused() {
        let limiter = LoginLimiter::default();
        for i in 0..LoginLimiter::NAME_SLOWED_AFTER {
            let attempt = limiter.begin("admin", ip(&format!("10.0.1.{i}"))).unwrap();
            assert!(!attempt.slowed_down);
        }
        let attempt = limiter.begin("admin", ip("10.0.2.1")).unwrap();
        assert!(attempt.slowed_down);
    }

    #[test]
    fn an_attempt_that_is_refused_takes_no_place_in_the_table() {
        let limiter = LoginLimiter::default();
        for i in 0..LoginLimiter::PER_ADDRESS {
            assert!(limiter.begin(&format!("user{i}"), ip("10.0.0.7")).is_ok());
        }
        let taken = || {
            let table = limiter.table.lock().unwrap();
            table.iter().filter(|c| c.key != 0).count()
        };
        let before = taken();
        for i in 0..1_000 {
            assert!(limiter.begin(&format!("other{i}"), ip("10.0.0.7")).is_err());
        }
        assert_eq!(taken(), before);
    }

    #[test]
    fn a_successful_login_does_not_count_against_the_name() {
        let limiter = LoginLimiter::default();
        for _ in 0..LoginLimiter::PER_NAME_AND_ADDRESS * 2 {
            let attempt = limiter.begin("wang", ip("10.0.0.3")).unwrap();
            limiter.succeeded("wang", ip("10.0.0.3"), attempt);
        }
        assert!(limiter.begin("wang", ip("10.0.0.3")).is_ok());
    }

    #[test]
    fn only_the_first_bytes_of_a_long_name_are_counted_and_the_table_does_not_grow() {
        let limiter = LoginLimiter::default();
        let long = "a".repeat(LoginLimiter::NAME_BYTES);
        for i in 0..LoginLimiter::PER_NAME_AND_ADDRESS {
            let name = format!("{long}{}", "x".repeat(i * 100_000));
            assert!(limiter.begin(&name, ip("10.0.0.4")).is_ok());
        }
        assert!(limiter.begin(&long, ip("10.0.0.4")).is_err());
        for i in 0..50_000_u32 {
            let _ = limiter.begin(&format!("name{i}"), IpAddr::V4(Ipv4Addr::from(i)));
        }
        let table = limiter.table.lock().unwrap();
        assert_eq!(table.len(), LoginLimiter::TABLE_SIZE);
    }
}
