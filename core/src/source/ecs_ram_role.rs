//! `ecs_ram_role`: the credentials of the RAM role attached to an ECS instance, from the
//! instance metadata service (IMDS, `http://100.100.100.200`).
//!
//! One fetch, in the common case:
//!
//! ```text
//!   PUT /latest/api/token                                 (IMDSv2 token; skipped while one is cached)
//!       X-aliyun-ecs-metadata-token-ttl-seconds: 21600
//!   GET /latest/meta-data/ram/security-credentials/       (role discovery; skipped when the role is
//!       X-aliyun-ecs-metadata-token: <token>               configured or was discovered before)
//!   GET /latest/meta-data/ram/security-credentials/<role>
//!       X-aliyun-ecs-metadata-token: <token>
//! ```
//!
//! Differences from the official SDKs, all deliberate:
//!
//! - **The token is kept** and reused by later fetches until shortly before its TTL runs out
//!   (the TTL minus 10 % of it, but at least 5 minutes and at most half the TTL: a 6 h token
//!   is reused for 5 h 24 min); the SDKs fetch a new one before every GET. A reused token
//!   that the service refuses (401/403) is replaced by a fresh one once per fetch.
//! - **The discovered role name is kept** for later fetches. If the service stops knowing it
//!   (404), it is forgotten and the next fetch discovers the role again.
//! - **IMDSv1 fallback** follows the SDKs (token request fails → continue without a token; a GET
//!   with a token fails → that GET once more without it), unless `disable_imds_v1`. Once a
//!   request without a token was needed, the rest of the fetch goes without one, but the next
//!   fetch tries IMDSv2 again: there is no lasting "v1 mode". A 404 is an answer about the
//!   instance (no such role), not about the token, so it is not repeated without the token.
//! - **Absence is detected**: when the metadata service has never answered this source and the
//!   first request of a fetch cannot connect or times out, or when the instance has no role
//!   (role discovery answers 404), the fetch ends with [`Error::NotConfigured`] so the default
//!   chain moves on quickly. Once the service has answered, a connection failure is a normal
//!   (retryable) [`Error::Transport`]: a real instance whose metadata service blinks is not
//!   "not configured".
//! - **Retries**: 5xx and 429 answers are retried once within the fetch after a jittered
//!   back-off; timeouts and connection errors are not (off ECS the chain must fail fast).
//! - Metadata requests never go through a proxy, and answers above 16 KiB are refused.

use std::time::{Duration, Instant};

use serde::Deserialize;

use crate::answer::{plain, request_id_header, Origin, SessionFields};
use crate::ctx::Ctx;
use crate::effect::{Effect, Input, ProxyPolicy};
use crate::endpoint::Endpoint;
use crate::error::{ConfigError, Error, TransportError, TransportErrorKind};
use crate::secret::Secret;
use crate::source::{Call, CallPoll, CallSettings, Fetched, Source, SourcePoll};
use crate::time::Now;
use crate::user_agent::user_agent;

const DEFAULT_ENDPOINT: &str = "http://100.100.100.200";
const DEFAULT_TOKEN_TTL: Duration = Duration::from_secs(MAX_TOKEN_TTL_SECS);
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1);
const MAX_METADATA_BODY: usize = 16 * 1024;

const MAX_TOKEN_TTL_SECS: u64 = 21_600;
const PROVIDER: &str = "ecs_ram_role";
const TOKEN_PATH: &str = "/latest/api/token";
const ROLES_PATH: &str = "/latest/meta-data/ram/security-credentials/";
const TOKEN_TTL_HEADER: &str = "x-aliyun-ecs-metadata-token-ttl-seconds";
const TOKEN_HEADER: &str = "x-aliyun-ecs-metadata-token";

/// Attempts per request for 5xx and 429 answers (the first included).
const ATTEMPTS: u32 = 2;
/// Back-off before the second attempt (jittered to 50-100 %).
const BACKOFF: Duration = Duration::from_millis(100);
/// Most requests one fetch can make: a refused cached token (1), a new token (2), a GET with
/// it that fails (3), the same GET without it (4), the credential GET (5).
const MAX_REQUESTS: u32 = 5;

const ACTION_TOKEN: &str = "GetMetadataToken";
const ACTION_ROLES: &str = "GetRoleName";
const ACTION_CREDENTIALS: &str = "GetRoleCredentials";

/// The parameters of the ECS RAM role source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EcsRamRoleParams {
    /// The role; `None` means discover it from the metadata service (once, then cached).
    pub role_name: Option<String>,
    /// Never fall back to IMDSv1.
    pub disable_imds_v1: bool,
    /// Lifetime requested for IMDSv2 tokens (1 s to 21600 s).
    pub token_ttl: Duration,
    /// The metadata endpoint (`http://100.100.100.200` by default).
    pub endpoint: Endpoint,
    /// Connect timeout (1 s by default).
    pub connect_timeout: Duration,
    /// Read timeout (1 s by default).
    pub read_timeout: Duration,
}

impl EcsRamRoleParams {
    /// The metadata endpoint of every ECS instance.
    pub const DEFAULT_ENDPOINT: &'static str = DEFAULT_ENDPOINT;
    /// The IMDSv2 token lifetime requested by default, and the longest the service grants: 6 h.
    pub const DEFAULT_TOKEN_TTL: Duration = DEFAULT_TOKEN_TTL;
    /// Default connect and read timeouts, as in the official SDKs: 1 s.
    pub const DEFAULT_TIMEOUT: Duration = DEFAULT_TIMEOUT;
    /// Largest metadata answer accepted (a credential answer is about 1.5 KiB).
    pub const MAX_BODY: usize = MAX_METADATA_BODY;

    /// The default endpoint, `http://100.100.100.200`.
    pub fn default_endpoint() -> Endpoint {
        Endpoint::parse(DEFAULT_ENDPOINT, http::uri::Scheme::HTTP, "metadata_endpoint")
            .expect("the default metadata endpoint is valid")
    }
}

impl Default for EcsRamRoleParams {
    /// Role discovered, IMDSv1 fallback allowed, 6 h tokens, the default endpoint, 1 s timeouts.
    fn default() -> Self {
        EcsRamRoleParams {
            role_name: None,
            disable_imds_v1: false,
            token_ttl: DEFAULT_TOKEN_TTL,
            endpoint: Self::default_endpoint(),
            connect_timeout: DEFAULT_TIMEOUT,
            read_timeout: DEFAULT_TIMEOUT,
        }
    }
}

/// The TTL sent for a requested lifetime: whole seconds, clamped to the service's 1..=21600.
fn token_ttl_secs(requested: Duration) -> u64 {
    requested.as_secs().clamp(1, MAX_TOKEN_TTL_SECS)
}

/// How long a token with this TTL is reused after it was requested: the TTL minus a margin of
/// 10 % of the TTL but at least 5 minutes, and never more than half the TTL. A 6 h token is
/// reused for 5 h 24 min, a 10 min token for 5 min, a 1 min token for 30 s.
fn token_reuse_window(ttl: Duration) -> Duration {
    let margin = (ttl / 10).max(Duration::from_secs(300)).min(ttl / 2);
    ttl - margin
}

/// A RAM role name as RAM allows them: 1 to 64 letters, digits, `.`, `-`, `_`. Checked before
/// the name goes into a request path.
fn valid_role_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'_')
        && name != "."
        && name != ".."
}

struct Token {
    value: Secret,
    /// Not used for a new fetch from here on (monotonic).
    reuse_until: Instant,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    Token,
    Roles { with_token: bool },
    Credentials { with_token: bool },
}

impl Step {
    fn action(self) -> &'static str {
        match self {
            Step::Token => ACTION_TOKEN,
            Step::Roles { .. } => ACTION_ROLES,
            Step::Credentials { .. } => ACTION_CREDENTIALS,
        }
    }

    fn with_token(self) -> bool {
        matches!(self, Step::Roles { with_token: true } | Step::Credentials { with_token: true })
    }

    fn without_token(self) -> Step {
        match self {
            Step::Token => Step::Token,
            Step::Roles { .. } => Step::Roles { with_token: false },
            Step::Credentials { .. } => Step::Credentials { with_token: false },
        }
    }
}

struct Fetch {
    step: Step,
    /// Requests started in this fetch.
    requests: u32,
    /// Requests go without a token for the rest of this fetch.
    v1: bool,
    /// The cached token was obtained, or accepted by the service, during this fetch.
    token_checked: bool,
    /// Why the token request failed, when the fetch went on without one.
    token_failure: Option<String>,
    /// The service answered (any status) during this fetch.
    answered: bool,
    /// When the request in flight was sent.
    sent_at: Option<Instant>,
    /// A result decided before any request (an invalid configured role).
    early: Option<Error>,
}

/// The ECS instance RAM role, from the instance metadata service. See the module docs for the
/// protocol and how it differs from the official SDKs.
pub struct EcsRamRoleSource {
    params: EcsRamRoleParams,
    /// The configured role, trimmed (`None` when unset or blank: discover it).
    configured_role: Option<String>,
    discovered_role: Option<String>,
    token: Option<Token>,
    /// The metadata service has answered this source at least once (any status).
    reached: bool,
    call: Call,
    fetch: Option<Fetch>,
}

impl std::fmt::Debug for EcsRamRoleSource {
    /// The endpoint, role and where the fetch stands; the metadata token and answers (which
    /// carry credentials) are not shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = match &self.fetch {
            None => "idle",
            Some(fetch) => match fetch.step {
                Step::Token => "requesting a metadata token",
                Step::Roles { with_token: true } => "discovering the role (IMDSv2)",
                Step::Roles { with_token: false } => "discovering the role (IMDSv1)",
                Step::Credentials { with_token: true } => "fetching the role credentials (IMDSv2)",
                Step::Credentials { with_token: false } => "fetching the role credentials (IMDSv1)",
            },
        };
        f.debug_struct("EcsRamRoleSource")
            .field("endpoint", &self.params.endpoint)
            .field("role_name", &self.configured_role)
            .field("discovered_role", &self.discovered_role)
            .field("disable_imds_v1", &self.params.disable_imds_v1)
            .field("token_cached", &self.token.is_some())
            .field("state", &state)
            .finish_non_exhaustive()
    }
}

impl EcsRamRoleSource {
    /// A source with these parameters. A blank `role_name` means "discover it".
    pub fn new(params: EcsRamRoleParams) -> Self {
        let configured_role = params.role_name.as_deref().map(str::trim).filter(|r| !r.is_empty()).map(str::to_owned);
        let mut settings =
            CallSettings::new(params.connect_timeout, params.read_timeout, ProxyPolicy::Never).with_attempts(ATTEMPTS);
        settings.max_body = MAX_METADATA_BODY;
        settings.base_backoff = BACKOFF;
        EcsRamRoleSource {
            params,
            configured_role,
            discovered_role: None,
            token: None,
            reached: false,
            call: Call::new(settings),
            fetch: None,
        }
    }

    /// The metadata endpoint in use.
    pub fn endpoint(&self) -> &Endpoint {
        &self.params.endpoint
    }

    /// The role in use: the configured one, else the one discovered by an earlier fetch.
    pub fn role_name(&self) -> Option<&str> {
        self.configured_role.as_deref().or(self.discovered_role.as_deref())
    }

    fn host(&self) -> String {
        self.params.endpoint.authority().to_owned()
    }

    /// The GET that comes next: discovery while no role is known, else the credentials.
    fn next_get(&self, v1: bool) -> Step {
        let with_token = !v1 && self.token.is_some();
        if self.role_name().is_some() {
            Step::Credentials { with_token }
        } else {
            Step::Roles { with_token }
        }
    }

    /// Starts the request of `step`, or returns `fallback` if the fetch used its request budget
    /// (which the fallback rules never exhaust; this guards `max_fetch_time`).
    fn go(&mut self, step: Step, fallback: Error) -> Option<Result<Fetched, Error>> {
        let fetch = self.fetch.as_mut()?;
        if fetch.requests >= MAX_REQUESTS {
            return Some(Err(fallback));
        }
        fetch.requests += 1;
        fetch.step = step;
        self.call.start();
        None
    }

    fn build(&self, step: Step) -> http::Request<Vec<u8>> {
        let (method, path) = match step {
            Step::Token => (http::Method::PUT, TOKEN_PATH.to_owned()),
            Step::Roles { .. } => (http::Method::GET, ROLES_PATH.to_owned()),
            // The role is validated before a fetch goes this far; an empty name cannot happen.
            Step::Credentials { .. } => (http::Method::GET, format!("{ROLES_PATH}{}", self.role_name().unwrap_or(""))),
        };
        let mut builder = http::Request::builder()
            .method(method)
            .uri(self.params.endpoint.uri(&path))
            .header(http::header::USER_AGENT, user_agent());
        if step == Step::Token {
            builder = builder.header(TOKEN_TTL_HEADER, token_ttl_secs(self.params.token_ttl).to_string());
        }
        if step.with_token() {
            // Validated as a header value on arrival.
            if let Some(Ok(mut value)) = self.token.as_ref().map(|t| http::HeaderValue::from_str(t.value.expose())) {
                value.set_sensitive(true);
                builder = builder.header(TOKEN_HEADER, value);
            }
        }
        builder.body(Vec::new()).expect("metadata request parts are pre-validated")
    }

    fn finish(&mut self, result: Result<Fetched, Error>) -> SourcePoll {
        self.call.finish();
        self.fetch = None;
        SourcePoll::Done(result)
    }

    fn transport_error(&self, action: &'static str, source: TransportError) -> Error {
        Error::Transport { provider: PROVIDER.to_owned(), action, endpoint: self.host(), source }
    }

    fn invalid(&self, action: &'static str, status: u16, reason: impl Into<String>) -> Error {
        Origin { provider: PROVIDER, action, endpoint: &self.host() }.invalid(status, reason)
    }

    /// The error of a non-200 answer: the status, a JSON `Code` if the body has a sane one, and
    /// never any other part of the body.
    fn service_error(&self, action: &'static str, resp: &http::Response<Vec<u8>>, detail: &str) -> Error {
        #[derive(Deserialize)]
        struct CodeOnly {
            #[serde(rename = "Code")]
            code: Option<String>,
        }
        let status = resp.status();
        let code = serde_json::from_slice::<CodeOnly>(resp.body())
            .ok()
            .and_then(|b| b.code)
            .filter(|c| plain(c, 64))
            .unwrap_or_else(|| format!("Http{}", status.as_u16()));
        let mut message = status.canonical_reason().unwrap_or("error").to_owned();
        if !detail.is_empty() {
            message.push_str(": ");
            message.push_str(detail);
        }
        let endpoint = self.host();
        let origin = Origin { provider: PROVIDER, action, endpoint: &endpoint };
        origin.service(status.as_u16(), code, message, request_id_header(resp))
    }

    fn on_answer(
        &mut self,
        answer: Result<http::Response<Vec<u8>>, TransportError>,
        now: Now,
    ) -> Option<Result<Fetched, Error>> {
        let fetch = self.fetch.as_mut()?;
        let first = !self.reached && !fetch.answered;
        if answer.is_ok() {
            fetch.answered = true;
            self.reached = true;
        }
        match fetch.step {
            Step::Token => self.on_token(answer, first, now),
            step => self.on_get(step, answer, now),
        }
    }

    fn on_token(
        &mut self,
        answer: Result<http::Response<Vec<u8>>, TransportError>,
        first: bool,
        now: Now,
    ) -> Option<Result<Fetched, Error>> {
        const V1_OFF: &str = "the IMDSv1 fallback is disabled (disable_imds_v1), so a metadata token is required";
        let (why, error) = match answer {
            Err(e) if first && matches!(e.kind, TransportErrorKind::Connect | TransportErrorKind::Timeout) => {
                return Some(Err(Error::NotConfigured {
                    provider: PROVIDER.to_owned(),
                    reason: format!(
                        "the instance metadata service at {} did not answer ({}); not running on ECS?",
                        self.params.endpoint, e.kind
                    ),
                }));
            }
            Ok(resp) if resp.status() == http::StatusCode::OK => {
                let token = std::str::from_utf8(resp.body()).ok().map(str::trim).unwrap_or("");
                if !token.is_empty() && http::HeaderValue::from_str(token).is_ok() {
                    let sent_at = self.fetch.as_ref().and_then(|f| f.sent_at).unwrap_or(now.mono);
                    let ttl = Duration::from_secs(token_ttl_secs(self.params.token_ttl));
                    self.token =
                        Some(Token { value: Secret::new(token), reuse_until: sent_at + token_reuse_window(ttl) });
                    let fetch = self.fetch.as_mut()?;
                    fetch.token_checked = true;
                    let next = self.next_get(false);
                    let fallback = self.invalid(ACTION_TOKEN, 200, "request budget exhausted");
                    return self.go(next, fallback);
                }
                let reason = "the token answer is empty or not a valid header value";
                (reason.to_owned(), self.invalid(ACTION_TOKEN, 200, format!("{reason}; {V1_OFF}")))
            }
            Ok(resp) => (format!("HTTP {}", resp.status().as_u16()), self.service_error(ACTION_TOKEN, &resp, V1_OFF)),
            Err(e) => {
                let why = e.to_string();
                let source = TransportError::new(e.kind, format!("{}; {V1_OFF}", e.detail));
                (why, self.transport_error(ACTION_TOKEN, source))
            }
        };
        if self.params.disable_imds_v1 {
            return Some(Err(error));
        }
        tracing::debug!(provider = PROVIDER, reason = %why, "no metadata token; continuing with IMDSv1");
        let fetch = self.fetch.as_mut()?;
        fetch.v1 = true;
        fetch.token_failure = Some(why);
        let next = self.next_get(true);
        self.go(next, error)
    }

    fn on_get(
        &mut self,
        step: Step,
        answer: Result<http::Response<Vec<u8>>, TransportError>,
        now: Now,
    ) -> Option<Result<Fetched, Error>> {
        let action = step.action();
        let resp = match answer {
            Ok(resp) if resp.status() == http::StatusCode::OK => {
                if step.with_token() {
                    self.fetch.as_mut()?.token_checked = true;
                }
                return match step {
                    Step::Roles { with_token } => self.on_roles(&resp, with_token),
                    _ => Some(self.parse_credentials(&resp, now)),
                };
            }
            Ok(resp) if resp.status() == http::StatusCode::NOT_FOUND => {
                // About the instance, not the token: not repeated without it.
                return Some(Err(match step {
                    Step::Roles { .. } => Error::NotConfigured {
                        provider: PROVIDER.to_owned(),
                        reason: "no RAM role is attached to this ECS instance".to_owned(),
                    },
                    _ => {
                        let role = self.role_name().unwrap_or("").to_owned();
                        if self.configured_role.is_none() {
                            // Detached or replaced: discover it again next time.
                            self.discovered_role = None;
                        }
                        self.service_error(
                            action,
                            &resp,
                            &format!("the role `{role}` is not attached to this instance"),
                        )
                    }
                }));
            }
            other => other,
        };
        let status = resp.as_ref().ok().map(|r| r.status().as_u16());
        let error = match &resp {
            Ok(r) => {
                let hint = match &self.fetch.as_ref()?.token_failure {
                    Some(why) => format!("requested without a metadata token because the token request failed ({why})"),
                    None => String::new(),
                };
                self.service_error(action, r, &hint)
            }
            Err(e) => self.transport_error(action, e.clone()),
        };
        if !step.with_token() {
            return Some(Err(error));
        }
        // A GET with the token failed: the token is not used again.
        self.token = None;
        let fetch = self.fetch.as_mut()?;
        if !fetch.token_checked && matches!(status, Some(401 | 403)) {
            tracing::debug!(provider = PROVIDER, status, "the cached metadata token was refused; requesting a new one");
            return self.go(Step::Token, error);
        }
        if self.params.disable_imds_v1 {
            return Some(Err(error));
        }
        tracing::debug!(provider = PROVIDER, %error, "a request with the metadata token failed; retrying it with IMDSv1");
        fetch.v1 = true;
        self.go(step.without_token(), error)
    }

    fn on_roles(&mut self, resp: &http::Response<Vec<u8>>, with_token: bool) -> Option<Result<Fetched, Error>> {
        let text = match std::str::from_utf8(resp.body()) {
            Ok(t) => t,
            Err(_) => return Some(Err(self.invalid(ACTION_ROLES, 200, "the role list is not UTF-8"))),
        };
        let first = text.trim().lines().next().map(str::trim).unwrap_or("");
        if first.is_empty() {
            return Some(Err(self.invalid(ACTION_ROLES, 200, "the role list is empty")));
        }
        if !valid_role_name(first) {
            return Some(Err(self.invalid(ACTION_ROLES, 200, "the listed role is not a valid RAM role name")));
        }
        self.discovered_role = Some(first.to_owned());
        let fallback = self.invalid(ACTION_ROLES, 200, "request budget exhausted");
        self.go(Step::Credentials { with_token }, fallback)
    }

    fn parse_credentials(&self, resp: &http::Response<Vec<u8>>, now: Now) -> Result<Fetched, Error> {
        let endpoint = self.host();
        let origin = Origin { provider: PROVIDER, action: ACTION_CREDENTIALS, endpoint: &endpoint };
        SessionFields::parse_with_code(resp, &origin)?.into_fetched(resp, &origin, "", PROVIDER, now)
    }
}

/// 5xx and 429: another attempt after a short back-off may succeed.
fn retryable_status(status: http::StatusCode) -> bool {
    status.is_server_error() || status == http::StatusCode::TOO_MANY_REQUESTS
}

impl Source for EcsRamRoleSource {
    fn provider_name(&self) -> &str {
        PROVIDER
    }

    fn start(&mut self, now: Now) {
        self.call.cancel();
        if self.token.as_ref().is_some_and(|t| now.mono >= t.reuse_until) {
            self.token = None;
        }
        let early = match &self.configured_role {
            Some(r) if !valid_role_name(r) => Some(Error::Config(ConfigError::InvalidValue {
                field: "role_name",
                reason: "a RAM role name has 1 to 64 letters, digits, `.`, `-` or `_`".to_owned(),
            })),
            _ => None,
        };
        let step = if self.token.is_some() { self.next_get(false) } else { Step::Token };
        self.fetch = Some(Fetch {
            step,
            requests: 1,
            v1: false,
            token_checked: false,
            token_failure: None,
            answered: false,
            sent_at: None,
            early,
        });
        self.call.start();
    }

    fn poll(&mut self, now: Now, ctx: &mut Ctx) -> SourcePoll {
        loop {
            let Some(fetch) = self.fetch.as_mut() else {
                return SourcePoll::Idle;
            };
            if let Some(e) = fetch.early.take() {
                return self.finish(Err(e));
            }
            match self.call.poll(now) {
                CallPoll::Send => {
                    fetch.sent_at = Some(now.mono);
                    let step = fetch.step;
                    let request = self.build(step);
                    return SourcePoll::Effect(Effect::Http(self.call.send(request, now, ctx)));
                }
                CallPoll::Wait(t) => return SourcePoll::Wait(t),
                CallPoll::Idle => {
                    // The call lost its operation (cannot happen); let the refresher restart us.
                    self.fetch = None;
                    return SourcePoll::Idle;
                }
                CallPoll::Answer(answer) => {
                    if let Ok(resp) = &answer {
                        // Any answer proves the service is there, even one that is retried:
                        // a later connection failure must not read as "not on ECS".
                        fetch.answered = true;
                        self.reached = true;
                        if retryable_status(resp.status()) && self.call.retry(now, ctx) {
                            tracing::debug!(
                                provider = PROVIDER,
                                action = fetch.step.action(),
                                status = resp.status().as_u16(),
                                "retrying a metadata request"
                            );
                            continue;
                        }
                    }
                    self.call.finish();
                    if let Some(result) = self.on_answer(answer, now) {
                        return self.finish(result);
                    }
                    if self.fetch.is_none() {
                        return SourcePoll::Idle;
                    }
                }
            }
        }
    }

    fn handle(&mut self, input: Input, _now: Now) {
        if self.fetch.is_some() {
            self.call.handle(input);
        }
    }

    fn cancel(&mut self) {
        self.call.cancel();
        self.fetch = None;
    }

    fn max_fetch_time(&self) -> Duration {
        self.call.settings().max_time() * MAX_REQUESTS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_reuse_windows() {
        let w = |s| token_reuse_window(Duration::from_secs(s));
        assert_eq!(w(21_600), Duration::from_secs(19_440));
        assert_eq!(w(3_600), Duration::from_secs(3_240));
        assert_eq!(w(600), Duration::from_secs(300));
        assert_eq!(w(60), Duration::from_secs(30));
        assert_eq!(w(1), Duration::from_millis(500));
    }

    #[test]
    fn ttl_is_clamped() {
        assert_eq!(token_ttl_secs(Duration::ZERO), 1);
        assert_eq!(token_ttl_secs(Duration::from_millis(1500)), 1);
        assert_eq!(token_ttl_secs(Duration::from_secs(600)), 600);
        assert_eq!(token_ttl_secs(Duration::from_secs(86_400)), 21_600);
    }

    #[test]
    fn role_names() {
        for ok in ["a", "EcsRamRole", "my-role_1.test", &"r".repeat(64)] {
            assert!(valid_role_name(ok), "{ok}");
        }
        for bad in ["", ".", "..", "a/b", "a b", "a?b", "a%2Fb", "rôle", &"r".repeat(65)] {
            assert!(!valid_role_name(bad), "{bad}");
        }
    }

    #[test]
    fn default_params() {
        let p = EcsRamRoleParams::default();
        assert_eq!(p.endpoint.to_string(), DEFAULT_ENDPOINT);
        assert_eq!(p.token_ttl, Duration::from_secs(21_600));
        assert_eq!((p.connect_timeout, p.read_timeout), (DEFAULT_TIMEOUT, DEFAULT_TIMEOUT));
    }
}
