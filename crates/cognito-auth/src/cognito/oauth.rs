//! The pool's OAuth 2.0 endpoints: "Continue with Google" (or any provider the pool federates)
//! and Cognito's managed login. AWS signs people in through a third-party provider only in the
//! browser, through the pool's `/oauth2/authorize`; the SDK's `InitiateAuth` cannot. So:
//!
//! 1. [`OAuth::authorize`]: the browser goes to `/oauth2/authorize` with
//!    `identity_provider=…`, a PKCE challenge (S256), `state` and `nonce`; what proves the answer
//!    is ours ([`Authorization`]) stays in an encrypted HttpOnly cookie (`flows/federation.rs`).
//! 2. The pool sends the browser back to `APP_URL/auth/callback` with a code; the server, not
//!    the browser, trades it at `/oauth2/token` ([`OAuth::exchange`]), with the PKCE verifier and
//!    the client secret when the client has one (HTTP Basic, as Cognito asks).
//! 3. The ID token's signature, `iss`, `aud`, `exp` are checked by `auth::verifier`, its `nonce`
//!    against the cookie's (`flows/federation.rs`); the tokens then make the same session as a
//!    password sign-in.
//!
//! The endpoints are set here rather than read from the pool's discovery document: Cognito's
//! is at the issuer, not the domain, and cognito-local's lists neither endpoint.

#[cfg(feature = "oauth")]
use super::Tokens;
use crate::AuthError;
use crate::secret_hash::ClientSecret;
#[cfg(feature = "oauth")]
use oauth2::basic::{
    BasicErrorResponse, BasicErrorResponseType, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse,
    BasicTokenType,
};
#[cfg(feature = "oauth")]
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, CsrfToken, EndpointNotSet, EndpointSet, ExtraTokenFields, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, RequestTokenError, Scope, StandardRevocableToken, StandardTokenResponse,
    TokenResponse as _, TokenUrl,
};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// What the app asks the pool for: the ID token (`openid`) with the e-mail and name in it. The
/// app client's `AllowedOAuthScopes` must allow all three (the start-up report checks).
/// `aws.cognito.signin.user.admin` lets the access token call the user's own Cognito operations
/// (GetUser, the account page's changes), as a token from `InitiateAuth` can.
pub const SCOPES: [&str; 4] = ["openid", "email", "profile", "aws.cognito.signin.user.admin"];

/// How long a round trip through the provider may take: time to type a password and a second
/// factor there, not long enough for a forgotten tab.
pub const AUTHORIZATION_LIFETIME: Duration = Duration::from_secs(10 * 60);

/// The token endpoint's answer: RFC 6749's fields and the OpenID Connect ID token.
#[cfg(feature = "oauth")]
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct IdTokenField {
    id_token: String,
}

#[cfg(feature = "oauth")]
impl ExtraTokenFields for IdTokenField {}

#[cfg(feature = "oauth")]
type TokenAnswer = StandardTokenResponse<IdTokenField, BasicTokenType>;

#[cfg(feature = "oauth")]
type Client = oauth2::Client<
    BasicErrorResponse,
    TokenAnswer,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// What the callback checks the pool's answer against, kept in the browser's encrypted
/// cookie between the two (`Transient::Federation`). Never leaves the server readable.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Authorization {
    /// Comes back unchanged with the answer: the answer is to this browser's request (no login
    /// CSRF, no code injected from elsewhere).
    pub state: String,
    /// Comes back inside the ID token: the token was minted for this request.
    pub nonce: String,
    /// The PKCE secret whose hash went out as the challenge: only this server can trade the code.
    pub verifier: String,
    /// Where to go once signed in (already checked by `safe_next`).
    pub next: String,
    /// The provider's pool name; `None`: managed login.
    pub provider: Option<String>,
    /// Unix seconds.
    pub expires_at: i64,
}

/// The pool's domain and this app's client on it.
/// Sign-in through the pool's own pages (`/oauth2/authorize`): the identity providers the
/// sign-in page offers a button for, and whether every sign-in goes to managed login.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Federation {
    /// The pool's domain as an origin: `https://<prefix>.auth.<region>.amazoncognito.com`, a
    /// custom domain, or an emulator's address.
    pub domain: String,
    /// `COGNITO_IDENTITY_PROVIDERS`, in the order given.
    pub providers: Vec<IdentityProvider>,
    /// `COGNITO_MANAGED_LOGIN=true`: the sign-in page sends people to Cognito's own.
    pub managed_login: bool,
    /// `COGNITO_LOCAL_OAUTH=true`: the domain is cognito-local's, whose OAuth endpoints differ
    /// from Cognito's in two ways the app must know: no `/logout`, and ID tokens without the
    /// request's `nonce`. Development only (refused in production).
    pub cognito_local: bool,
}

impl Federation {
    /// Sign-in through the pool at `domain` (an origin: `https://<prefix>.auth.<region>.amazoncognito.com`,
    /// a custom domain, an emulator's address), with no provider's button yet and the app's own
    /// sign-in page.
    pub fn new(domain: impl Into<String>) -> Self {
        Self {
            domain: domain.into(),
            providers: Vec::new(),
            managed_login: false,
            cognito_local: false,
        }
    }

    /// The domain answers `/logout` (Cognito's does; cognito-local's does not).
    pub fn has_logout(&self) -> bool {
        !self.cognito_local
    }

    /// The domain's ID tokens carry the request's `nonce` (Cognito's do; cognito-local's do not).
    pub fn puts_nonce(&self) -> bool {
        !self.cognito_local
    }
}

/// A button on the sign-in page: "Continue with {label}".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdentityProvider {
    /// The provider's name in the pool (`Google`, `SignInWithApple`, `MyCorpSAML`): what
    /// `identity_provider=` names.
    pub name: String,
    /// What the button says after "Continue with".
    pub label: String,
}

impl IdentityProvider {
    /// `Name` or `Name=Label`; the social providers' pool names get their brand as the label.
    pub fn parse(entry: &str) -> Option<Self> {
        let (name, label) = match entry.split_once('=') {
            Some((name, label)) => (name.trim(), Some(label.trim())),
            None => (entry.trim(), None),
        };
        // Cognito's provider names: 1–32 characters of letters, digits and `_ -`.
        let valid = !name.is_empty()
            && name.len() <= 32
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'));
        if !valid || label.is_some_and(|l| l.is_empty() || l.chars().count() > 40) {
            return None;
        }
        let brand = match name {
            "SignInWithApple" => "Apple",
            "LoginWithAmazon" => "Amazon",
            other => other,
        };
        Some(Self {
            name: name.to_owned(),
            label: label.unwrap_or(brand).to_owned(),
        })
    }
}

/// The app client as the pool's OAuth endpoints see it (the app builds it from its
/// configuration).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct OAuthClient {
    /// The app client's id.
    pub client_id: String,
    /// Its secret, sent to `/oauth2/token` with HTTP Basic when it has one.
    pub client_secret: Option<ClientSecret>,
    /// While the client's secrets are rotated, the other: tried once when the token endpoint
    /// refuses the first (`invalid_client`), then kept.
    pub second_client_secret: Option<ClientSecret>,
    /// Where the pool sends the browser back with a code (`APP_URL/auth/callback`).
    pub callback_url: String,
    /// Where the pool's `/logout` sends it back.
    pub signed_out_url: String,
    /// Development: read an emulator's `application/x-amz-json-*` token answer as JSON (never
    /// in production).
    pub emulator_json: bool,
}

impl OAuthClient {
    /// The client `client_id` (without a secret), called back at `callback_url` and sent home
    /// after `/logout` to `signed_out_url`.
    pub fn new(
        client_id: impl Into<String>,
        callback_url: impl Into<String>,
        signed_out_url: impl Into<String>,
    ) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret: None,
            second_client_secret: None,
            callback_url: callback_url.into(),
            signed_out_url: signed_out_url.into(),
            emulator_json: false,
        }
    }
}

/// The pool's OAuth 2.0 endpoints for one app client: the way to the provider and back, the code's exchange, managed login and `/logout`.
#[cfg(feature = "oauth")]
#[derive(Clone)]
pub struct OAuth {
    /// One per client secret (the second while secrets are rotated); the first in use.
    clients: Vec<Client>,
    /// The one in use, and whether the other was tried already (shared by clones).
    in_use: std::sync::Arc<super::SecretInUse>,
    http: reqwest::Client,
    domain: String,
    client_id: String,
    /// Where the pool's `/logout` sends the browser back to (one of the client's `LogoutURLs`).
    signed_out_url: String,
    /// The domain answers `/logout` ([`Federation::has_logout`]).
    logout: bool,
    /// Its ID tokens carry the `nonce` ([`Federation::puts_nonce`]).
    nonce_required: bool,
    /// Development: read an emulator's `application/x-amz-json-*` token answer as JSON.
    emulator_json: bool,
}

#[cfg(feature = "oauth")]
impl std::fmt::Debug for OAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuth")
            .field("domain", &self.domain)
            .finish_non_exhaustive()
    }
}

#[cfg(feature = "oauth")]
impl OAuth {
    /// For `config`'s client at `federation`'s domain; refuses a domain that is not a URL or an HTTP client that cannot be built.
    pub fn new(config: &OAuthClient, federation: &Federation) -> Result<Self, OAuthSetupError> {
        let domain = federation.domain.clone();
        let client = oauth2::Client::new(ClientId::new(config.client_id.clone()))
            .set_auth_uri(AuthUrl::new(format!("{domain}/oauth2/authorize"))?)
            .set_token_uri(TokenUrl::new(format!("{domain}/oauth2/token"))?)
            .set_redirect_uri(RedirectUrl::new(config.callback_url.clone())?);
        // HTTP Basic (the crate's default): Cognito's token endpoint takes
        // `Authorization: Basic base64(client_id:client_secret)`.
        let with = |secret: &ClientSecret| {
            client
                .clone()
                .set_client_secret(oauth2::ClientSecret::new(secret.expose().to_owned()))
        };
        let clients = match (&config.client_secret, &config.second_client_secret) {
            (Some(first), Some(second)) => vec![with(first), with(second)],
            (Some(first), None) => vec![with(first)],
            _ => vec![client.clone()],
        };
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_millis(1500))
            .timeout(Duration::from_secs(5))
            // The token endpoint answers itself; a redirect would send the code and the secret
            // somewhere else (the crate's advice, against SSRF).
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Self {
            clients,
            in_use: std::sync::Arc::default(),
            http,
            domain,
            client_id: config.client_id.clone(),
            signed_out_url: config.signed_out_url.clone(),
            logout: federation.has_logout(),
            nonce_required: federation.puts_nonce(),
            emulator_json: config.emulator_json,
        })
    }

    /// Where to send the browser to sign in with `provider` (`None`: managed login, in `lang`),
    /// and what to keep until it comes back.
    pub fn authorize(&self, provider: Option<&str>, lang: &str, next: String, now: i64) -> (String, Authorization) {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let nonce = CsrfToken::new_random();
        let mut request = self.clients[0]
            .authorize_url(CsrfToken::new_random)
            .add_scopes(SCOPES.map(|s| Scope::new(s.to_owned())))
            .set_pkce_challenge(challenge)
            .add_extra_param("nonce", nonce.secret());
        request = match provider {
            Some(provider) => request.add_extra_param("identity_provider", provider),
            // Managed login's pages in the person's language.
            None => request.add_extra_param("lang", lang),
        };
        let (url, state) = request.url();
        let authorization = Authorization {
            state: state.into_secret(),
            nonce: nonce.into_secret(),
            verifier: verifier.into_secret(),
            next,
            provider: provider.map(str::to_owned),
            expires_at: now + AUTHORIZATION_LIFETIME.as_secs() as i64,
        };
        (url.to_string(), authorization)
    }

    /// Trades the code from the callback for the user's tokens, from the server.
    #[tracing::instrument(skip_all)]
    pub async fn exchange(&self, code: String, verifier: String) -> Result<Tokens, AuthError> {
        let http = self.http.clone();
        let emulator_json = self.emulator_json;
        let send = move |request: oauth2::HttpRequest| {
            let http = http.clone();
            async move {
                let response = http.execute(reqwest::Request::try_from(request)?).await?;
                let mut answer = http::Response::builder().status(response.status());
                if let Some(headers) = answer.headers_mut() {
                    headers.extend(response.headers().clone());
                    // ministack labels its token endpoint's JSON as AWS's own JSON protocol;
                    // the crate reads only `application/json` (what Cognito sends). Development only.
                    let amz_json = emulator_json
                        && headers
                            .get(http::header::CONTENT_TYPE)
                            .is_some_and(|t| t.as_bytes().starts_with(b"application/x-amz-json-"));
                    if amz_json {
                        headers.insert(
                            http::header::CONTENT_TYPE,
                            http::HeaderValue::from_static("application/json"),
                        );
                    }
                }
                let body = response.bytes().await?.to_vec();
                Ok::<_, reqwest::Error>(answer.body(body).unwrap_or_default())
            }
        };
        let exchange = |i: usize| {
            self.clients[i.min(self.clients.len() - 1)]
                .exchange_code(AuthorizationCode::new(code.clone()))
                .set_pkce_verifier(PkceCodeVerifier::new(verifier.clone()))
                .request_async(&send)
        };
        let mut answer = exchange(self.in_use.index()).await;
        // The client's secret refused (the code is checked after the client, so it still
        // holds): the other secret, once, kept from then on.
        let refused = matches!(&answer, Err(RequestTokenError::ServerResponse(e))
            if *e.error() == BasicErrorResponseType::InvalidClient);
        if refused && self.clients.len() > 1 && self.in_use.move_to_second() {
            tracing::warn!(
                "the pool's token endpoint refused the first COGNITO_CLIENT_SECRET: using the second from now on"
            );
            answer = exchange(1).await;
        }
        let answer = answer.map_err(token_error)?;
        Ok(Tokens::new(
            answer.access_token().secret().clone(),
            answer.extra_fields().id_token.clone(),
            answer.refresh_token().map(|t| t.secret().clone()),
        ))
    }

    /// The pool's `/logout`: it ends Cognito's own session cookie for its domain (so the next
    /// "Continue with …" asks again) and sends the browser back to the app. `None` where the
    /// domain has none (cognito-local).
    pub fn logout_url(&self) -> Option<String> {
        self.logout.then(|| {
            let query = serde_urlencoded::to_string([
                ("client_id", self.client_id.as_str()),
                ("logout_uri", self.signed_out_url.as_str()),
            ])
            .unwrap_or_default();
            format!("{}/logout?{query}", self.domain)
        })
    }

    /// Whether the ID token must carry the request's `nonce` (OpenID Connect Core §3.1.3.7).
    /// Cognito puts it there; cognito-local leaves it out (its code is still bound to this
    /// server by PKCE, which it checks).
    pub fn nonce_required(&self) -> bool {
        self.nonce_required
    }
}

/// Why the OAuth endpoints could not be set up.
#[cfg(feature = "oauth")]
#[derive(Debug, thiserror::Error)]
pub enum OAuthSetupError {
    /// The domain or a URL made from it is not a URL.
    #[error("COGNITO_DOMAIN or APP_URL does not make a valid endpoint URL: {0}")]
    Url(#[from] oauth2::url::ParseError),
    /// The HTTP client could not be built (its TLS set-up).
    #[error("could not build the HTTP client for the token endpoint: {0}")]
    Http(#[from] reqwest::Error),
}

/// What the person is told when the token endpoint says no; the reason goes to the log only.
#[cfg(feature = "oauth")]
fn token_error<RE: std::error::Error + 'static>(e: RequestTokenError<RE, BasicErrorResponse>) -> AuthError {
    match e {
        RequestTokenError::ServerResponse(answer) => {
            let description = answer
                .error_description()
                .map(|d| d.chars().take(200).collect::<String>());
            match answer.error() {
                // The code was used, is older than Cognito's five minutes, or was issued for
                // another PKCE challenge: start again.
                BasicErrorResponseType::InvalidGrant => {
                    tracing::warn!(
                        ?description,
                        "the pool's token endpoint refused the code (invalid_grant)"
                    );
                    AuthError::FederationExpired
                }
                // The app client's secret, flows or callback URL do not match this server's
                // settings: nothing the person can do.
                BasicErrorResponseType::InvalidClient
                | BasicErrorResponseType::UnauthorizedClient
                | BasicErrorResponseType::UnsupportedGrantType
                | BasicErrorResponseType::InvalidScope => {
                    tracing::error!(error = %answer.error(), ?description, "the pool's token endpoint refused this app client; check COGNITO_CLIENT_SECRET and the client's OAuth settings");
                    AuthError::FederationUnavailable
                }
                other => {
                    tracing::warn!(error = %other, ?description, "the pool's token endpoint refused the code");
                    AuthError::FederationFailed
                }
            }
        }
        RequestTokenError::Request(e) => {
            tracing::error!(error = %e, "the pool's token endpoint could not be reached");
            AuthError::Unavailable
        }
        RequestTokenError::Parse(e, _) => {
            tracing::error!(error = %e, "the pool's token endpoint answered something this app cannot read");
            AuthError::FederationFailed
        }
        RequestTokenError::Other(e) => {
            tracing::error!(error = %e, "the pool's token endpoint answered unexpectedly");
            AuthError::FederationFailed
        }
    }
}

/// What the person is told when the pool sends them back with `error=…` instead of a code.
/// `error_description` is Cognito's (or the provider's) own text: logged, never shown.
pub fn callback_error(error: &str, description: Option<&str>) -> AuthError {
    let description = description.map(|d| d.chars().take(200).collect::<String>());
    match error {
        // The person said no at the provider (or closed its consent).
        "access_denied" => AuthError::FederationCancelled,
        // Cognito's answer, before its April 2023 fix, to the first sign-in after a pre-sign-up
        // trigger linked the provider to an existing user (`AdminLinkProviderForUser`): the next
        // one works. Cognito now signs that first one in; an emulator may still answer so.
        "invalid_request"
            if description
                .as_deref()
                .is_some_and(|d| d.contains("Already found an entry for username")) =>
        {
            tracing::info!("the pool linked a provider's user to an existing one; the next attempt signs in");
            AuthError::FederationLinked
        }
        "unauthorized_client" | "invalid_client" | "invalid_scope" | "unsupported_response_type" => {
            tracing::error!(%error, ?description, "the pool refused this app client's sign-in request; check its OAuth settings (flows, scopes, callback URL, identity providers)");
            AuthError::FederationUnavailable
        }
        // A trigger that refused (PreSignUp failed …), attributes the pool could not map, the
        // provider's own refusal or outage.
        _ => {
            tracing::warn!(%error, ?description, "the pool sent the person back without a code");
            AuthError::FederationFailed
        }
    }
}

#[cfg(test)]
#[cfg(feature = "oauth")]
mod tests {
    use super::*;

    fn oauth(extra: &[(&str, &str)]) -> OAuth {
        // `extra` first: the lookup takes the first match.
        let mut vars = extra.to_vec();
        vars.extend_from_slice(&[
            ("COGNITO_USER_POOL_ID", "eu-west-1_AbC123"),
            ("COGNITO_CLIENT_ID", "client-1"),
            ("APP_URL", "http://localhost:3000"),
            ("COGNITO_DOMAIN", "myapp"),
        ]);
        let get = |k: &str| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| *v);
        let app_url = get("APP_URL").expect("an app url");
        let local = get("COGNITO_LOCAL_OAUTH") == Some("true");
        let domain = get("COGNITO_DOMAIN").expect("a domain");
        let federation = Federation {
            domain: if domain.contains("://") {
                domain.to_owned()
            } else {
                format!("https://{domain}.auth.eu-west-1.amazoncognito.com")
            },
            providers: get("COGNITO_IDENTITY_PROVIDERS")
                .map(|list| list.split(',').filter_map(IdentityProvider::parse).collect())
                .unwrap_or_default(),
            managed_login: get("COGNITO_MANAGED_LOGIN") == Some("true"),
            cognito_local: local,
        };
        let client = OAuthClient {
            client_id: get("COGNITO_CLIENT_ID").expect("a client").to_owned(),
            client_secret: get("COGNITO_CLIENT_SECRET").map(|s| ClientSecret::new(s.to_owned())),
            second_client_secret: get("SECOND_SECRET").map(|s| ClientSecret::new(s.to_owned())),
            callback_url: format!("{app_url}/auth/callback"),
            signed_out_url: format!("{app_url}/"),
            emulator_json: !app_url.starts_with("https://"),
        };
        OAuth::new(&client, &federation).expect("oauth")
    }

    /// A token endpoint on loopback that takes only `client:the-new-secret` (HTTP Basic), and
    /// counts the requests.
    async fn token_endpoint() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
        use axum::http::{HeaderMap, StatusCode};
        use base64::Engine as _;
        let calls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted = calls.clone();
        let app = axum::Router::new().route(
            "/oauth2/token",
            axum::routing::post(move |headers: HeaderMap| {
                let counted = counted.clone();
                async move {
                    counted.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let basic = base64::engine::general_purpose::STANDARD.encode("client-1:the-new-secret");
                    let json = [(axum::http::header::CONTENT_TYPE, "application/json")];
                    if headers.get("authorization").and_then(|v| v.to_str().ok()) == Some(&format!("Basic {basic}")) {
                        let body = r#"{"access_token":"a","id_token":"i","refresh_token":"r","token_type":"Bearer","expires_in":3600}"#;
                        (StatusCode::OK, json, body)
                    } else {
                        (StatusCode::BAD_REQUEST, json, r#"{"error":"invalid_client"}"#)
                    }
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let url = format!("http://{}", listener.local_addr().expect("an address"));
        tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
        (url, calls)
    }

    #[tokio::test]
    async fn the_token_endpoint_takes_the_second_secret_once_the_first_is_refused() {
        let (domain, calls) = token_endpoint().await;
        let oauth = oauth(&[
            ("COGNITO_DOMAIN", &domain),
            ("COGNITO_CLIENT_SECRET", "the-old-secret"),
            ("SECOND_SECRET", "the-new-secret"),
        ]);
        let tokens = oauth.exchange("code-1".into(), "verifier-1".into()).await;
        assert!(tokens.is_ok(), "{tokens:?}");
        assert_eq!(
            calls.load(std::sync::atomic::Ordering::Relaxed),
            2,
            "refused, then the second"
        );
        let again = oauth.clone().exchange("code-2".into(), "verifier-2".into()).await;
        assert!(again.is_ok(), "{again:?}");
        assert_eq!(
            calls.load(std::sync::atomic::Ordering::Relaxed),
            3,
            "the second is kept"
        );
        // One secret, and it is wrong: the app client is refused, asked once.
        let (domain, calls) = token_endpoint().await;
        let wrong = oauth_without_second(&domain);
        assert_eq!(
            wrong.exchange("code-3".into(), "verifier-3".into()).await.map(drop),
            Err(AuthError::FederationUnavailable)
        );
        assert_eq!(calls.load(std::sync::atomic::Ordering::Relaxed), 1);
    }

    fn oauth_without_second(domain: &str) -> OAuth {
        oauth(&[("COGNITO_DOMAIN", domain), ("COGNITO_CLIENT_SECRET", "the-old-secret")])
    }

    fn query(url: &str) -> Vec<(String, String)> {
        let (_, query) = url.split_once('?').expect("a query");
        serde_urlencoded::from_str(query).expect("query")
    }

    #[test]
    fn the_authorize_url_carries_pkce_state_nonce_and_the_provider() {
        let (url, auth) = oauth(&[]).authorize(Some("Google"), "en", "/protected".into(), 1_000);
        assert!(url.starts_with("https://myapp.auth.eu-west-1.amazoncognito.com/oauth2/authorize?"));
        let q = query(&url);
        let get = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("response_type"), Some("code"));
        assert_eq!(get("client_id"), Some("client-1"));
        assert_eq!(get("redirect_uri"), Some("http://localhost:3000/auth/callback"));
        assert_eq!(get("scope"), Some("openid email profile aws.cognito.signin.user.admin"));
        assert_eq!(get("identity_provider"), Some("Google"));
        assert_eq!(get("lang"), None);
        assert_eq!(get("state"), Some(auth.state.as_str()));
        assert_eq!(get("nonce"), Some(auth.nonce.as_str()));
        assert_eq!(get("code_challenge_method"), Some("S256"));
        // The challenge is the verifier's SHA-256 (RFC 7636 §4.2), and the verifier never leaves.
        let expected = PkceCodeChallenge::from_code_verifier_sha256(&PkceCodeVerifier::new(auth.verifier.clone()));
        assert_eq!(get("code_challenge"), Some(expected.as_str()));
        assert!(!url.contains(&auth.verifier));
        assert_eq!((auth.next.as_str(), auth.expires_at), ("/protected", 1_600));
        // Fresh secrets every time.
        let (_, again) = oauth(&[]).authorize(Some("Google"), "en", "/".into(), 1_000);
        assert!(again.state != auth.state && again.nonce != auth.nonce && again.verifier != auth.verifier);
        assert!(auth.state.len() >= 22 && auth.verifier.len() >= 43);
    }

    #[test]
    fn managed_login_names_the_language_and_no_provider() {
        let (url, auth) = oauth(&[]).authorize(None, "ja", "/".into(), 0);
        let q = query(&url);
        assert!(q.iter().any(|(k, v)| k == "lang" && v == "ja"));
        assert!(!q.iter().any(|(k, _)| k == "identity_provider"));
        assert_eq!(auth.provider, None);
    }

    #[test]
    fn logout_names_the_client_and_the_way_back() {
        assert_eq!(
            oauth(&[]).logout_url().as_deref(),
            Some(
                "https://myapp.auth.eu-west-1.amazoncognito.com/logout?client_id=client-1&logout_uri=http%3A%2F%2Flocalhost%3A3000%2F"
            )
        );
        let local = oauth(&[
            ("COGNITO_DOMAIN", "http://127.0.0.1:9229"),
            ("COGNITO_LOCAL_OAUTH", "true"),
        ]);
        assert_eq!(local.logout_url(), None);
        assert!(!local.nonce_required());
    }

    #[test]
    fn callback_errors_a_person_can_act_on() {
        assert_eq!(
            callback_error("access_denied", Some("User cancelled")),
            AuthError::FederationCancelled
        );
        assert_eq!(
            callback_error(
                "invalid_request",
                Some("Already found an entry for username google_1234567890")
            ),
            AuthError::FederationLinked
        );
        assert_eq!(
            callback_error(
                "invalid_request",
                Some("PreSignUp failed with error Sign-ups are closed.")
            ),
            AuthError::FederationFailed
        );
        assert_eq!(
            callback_error("unauthorized_client", None),
            AuthError::FederationUnavailable
        );
        assert_eq!(callback_error("server_error", None), AuthError::FederationFailed);
    }
}
