//! The one state every handler shares, built once at start-up.

use crate::api::bff::Upstream;
use crate::api::me::{ApiParts, ApiState, ME_CACHE_MAX, MeCache};
use crate::auth::SignUpSettings;
use crate::auth::verifier::{Verifier, VerifierConfig};
use crate::config::Config;
use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use axum::extract::FromRef;
use cognito_auth::clock::Clock;
use cognito_auth::cognito::Cognito;
use cognito_auth::cognito::oauth::{OAuth, OAuthSetupError};
use cognito_auth::cognito::pool::Level;
use cognito_auth::limits::RateLimits;
use cognito_auth::session::Sessions;
use cognito_auth::{Revocations, SessionStore};
use leptos::config::LeptosOptions;
use std::sync::Arc;
use std::time::Duration;

/// What every request handler may use. Cloning it is one reference count: axum clones the state
/// for every request of every route, and a struct of a dozen fields (some of them `String`s) cost
/// each request a dozen atomic operations and three allocations, `/health` and the API included.
#[derive(Clone)]
pub struct AppState(Arc<SharedState>);

impl std::ops::Deref for AppState {
    type Target = SharedState;
    fn deref(&self) -> &SharedState {
        &self.0
    }
}

pub struct SharedState {
    pub leptos_options: LeptosOptions,
    pub config: Arc<Config>,
    pub cognito: Cognito,
    pub sessions: Arc<Sessions>,
    pub verifier: Arc<Verifier>,
    /// Sessions and people signed out, which the API's verifier refuses, over the session
    /// store (memory, or Redis with `REDIS_URL`), which also holds the sessions list.
    pub revocations: Arc<Revocations>,
    pub sign_up: SignUpSettings,
    /// What the API's routes need (`api::me::routes`, mounted on this state by `FromRef`).
    pub api_state: ApiState,
    /// The language each session last stored in the person's `locale` (the header's switch).
    pub locales_written: cognito_auth::expiring::ExpiringMap<String>,
    pub limits: Arc<RateLimits>,
    /// How long a sign-in challenge may take: the app client's `AuthSessionValidity`.
    pub challenge_lifetime: Duration,
    /// Where the server calls the API for the protected page (in process, or `API_URL`).
    pub api: Arc<Upstream>,
    /// The pool's MFA is `ON`: nobody may turn their second factor off.
    pub mfa_required: bool,
    /// Passkeys and e-mail codes, when the pool and client allow them.
    pub sign_in_methods: crate::auth::SignInMethods,
    /// The pool requires user verification (the device's fingerprint, face or PIN) for every
    /// passkey: only then does a passkey sign-in prove who is at the keyboard, as a password does.
    pub passkeys_verify_user: bool,
    /// Whether and how the pool remembers devices ("Remember this browser" on the code page
    /// when it asks the person).
    pub devices: cognito_auth::cognito::pool::Remembering,
    /// A remembered device skips the second step (`ChallengeRequiredOnNewDevice`): only then is
    /// "Remember this browser" offered and the account page's list shown.
    pub remembered_skip_second_step: bool,
    /// The pool's OAuth endpoints ("Continue with …", managed login), with `COGNITO_DOMAIN`.
    pub oauth: Option<OAuth>,
    /// The time every clock-bound rule reads (a test's own in tests).
    pub clock: Clock,
}

/// One line at start-up on where sessions are kept; a shared store that does not answer yet is
/// no reason not to start (it is asked again at every request, and pages say "briefly
/// unavailable" until it answers). One that may evict keys is, in production: a full store
/// would drop revocations (each has an expiry, which `volatile-*` policies evict first) and let
/// signed-out sessions back in.
async fn report_store(store: &Arc<SessionStore>, production: bool) -> Result<(), StartError> {
    if !store.is_shared() {
        tracing::info!(
            "session store: this process's memory (one instance; set REDIS_URL to share sign-outs and limits between instances)"
        );
        return Ok(());
    }
    match store.is_cluster().await {
        Ok(false) => tracing::info!("session store: Redis, reachable"),
        Ok(true) => {
            return Err(StartError::Store(
                "it is a cluster (cluster mode enabled, or ElastiCache Serverless); the store needs one primary with cluster mode disabled".into(),
            ));
        }
        Err(_) => tracing::error!("session store: Redis does not answer yet; sessions are refused (503) until it does"),
    }
    // In production, sessions are refused until the policy is read as noeviction (a store that
    // does not answer at start is read once it does), and it is read again every minute: a
    // parameter group changed later is refused too, never trusted with revocations.
    if production {
        store.require_noeviction();
    }
    // Each read also tells the store whether it may be trusted (`require_noeviction`).
    match store.eviction_policy().await {
        Ok(Some(policy)) if policy == "noeviction" => {
            tracing::info!(
                "session store: maxmemory-policy noeviction (a full store refuses writes, never drops a revocation)"
            );
        }
        Ok(policy) => {
            let problem = eviction_problem(policy.as_deref());
            if production {
                return Err(StartError::Store(problem));
            }
            tracing::warn!("session store: {problem}");
        }
        Err(_) => {}
    }
    let store = store.clone();
    tokio::spawn(async move {
        let mut said: Option<String> = None;
        loop {
            let wait = if said.is_none() && production { 5 } else { 60 };
            tokio::time::sleep(std::time::Duration::from_secs(wait)).await;
            let Ok(policy) = store.eviction_policy().await else {
                continue;
            };
            let noeviction = policy.as_deref() == Some("noeviction");
            let now = policy.unwrap_or_else(|| "unknown".into());
            if !noeviction && said.as_deref() != Some(now.as_str()) {
                let refused = if production {
                    "; sessions are refused until it is"
                } else {
                    ""
                };
                tracing::error!("session store: {}{refused}", eviction_problem(Some(&now)));
            }
            said = Some(now);
        }
    });
    Ok(())
}

fn eviction_problem(policy: Option<&str>) -> String {
    format!(
        "its maxmemory-policy is {}: when full it would evict keys, revocations first (they expire). \
         Set maxmemory-policy noeviction (deploy/template.yaml's parameter group does)",
        policy.unwrap_or("unknown")
    )
}

impl FromRef<AppState> for Arc<RateLimits> {
    fn from_ref(state: &AppState) -> Self {
        state.limits.clone()
    }
}

/// The SDK's only default timeout is 3.1 s to connect. A stalled Cognito would hold a sign-in
/// form for as long as the OS keeps the socket, so every limit is set: a person waits at most
/// 5 s for an answer, however many attempts that takes.
pub fn cognito_timeouts() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(Duration::from_millis(1500))
        .operation_attempt_timeout(Duration::from_secs(3))
        .operation_timeout(Duration::from_secs(5))
        .build()
}

/// Three attempts in all, with the SDK's jittered exponential back-off, for throttling and
/// transient faults only: a refusal (wrong password, taken e-mail) is never retried.
pub fn cognito_retries() -> RetryConfig {
    RetryConfig::standard().with_max_attempts(3)
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

impl FromRef<AppState> for ApiState {
    fn from_ref(state: &AppState) -> Self {
        state.api_state.clone()
    }
}

impl FromRef<AppState> for Arc<Verifier> {
    fn from_ref(state: &AppState) -> Self {
        state.verifier.clone()
    }
}

impl FromRef<AppState> for Arc<Sessions> {
    fn from_ref(state: &AppState) -> Self {
        state.sessions.clone()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("could not build the HTTP client for the API: {0}")]
    Http(#[from] reqwest::Error),
    #[error("could not build the API's token verifier: {0}")]
    Verifier(#[from] cognito_jwt::SetupError),
    #[error("REDIS_URL cannot be used: {0}")]
    Store(String),
    #[error("{0}")]
    OAuth(#[from] OAuthSetupError),
    #[error("could not set up sessions (SESSION_KEY)")]
    Sessions,
    #[error("the user pool or app client cannot work with this app (see the errors above)")]
    Pool,
}

impl AppState {
    pub async fn new(config: Config, leptos_options: LeptosOptions) -> Result<Self, StartError> {
        // `AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER` (read by aws-config) points the client
        // at the local emulator; unset, it reaches real Cognito. No other switch exists.
        let sdk_config = aws_config::defaults(BehaviorVersion::latest())
            .region(aws_config::Region::new(config.region.clone()))
            .timeout_config(cognito_timeouts())
            .retry_config(cognito_retries())
            .load()
            .await;
        let client = aws_sdk_cognitoidentityprovider::Client::new(&sdk_config);
        Self::with_client(config, leptos_options, client).await
    }

    /// The state around a Cognito client built elsewhere (the tests point one at a fake).
    pub async fn with_client(
        config: Config,
        leptos_options: LeptosOptions,
        client: aws_sdk_cognitoidentityprovider::Client,
    ) -> Result<Self, StartError> {
        Self::with_client_at(config, leptos_options, client, Clock::system()).await
    }

    /// [`AppState::with_client`] on `clock` (a test's, which it moves by hand).
    pub async fn with_client_at(
        config: Config,
        leptos_options: LeptosOptions,
        client: aws_sdk_cognitoidentityprovider::Client,
        clock: Clock,
    ) -> Result<Self, StartError> {
        let cognito = Cognito::new(
            client,
            config.user_pool_id.clone(),
            config.client_id.clone(),
            config.client_secret.clone(),
        );
        // While the client's secrets are rotated: the other one, tried when the first is refused.
        let cognito = match config.client_secret_second.clone() {
            Some(second) => cognito.with_second_secret(second),
            None => cognito,
        };

        // The pool and client decide how the app behaves (policy, rotation, challenge time);
        // anything that cannot work is said here, once, before the first request.
        let facts = cognito.pool_facts().await;
        let findings = cognito_auth::cognito::pool::check(&facts, &config.expectations());
        let mut fatal = false;
        for finding in &findings {
            match finding.level {
                Level::Ok => tracing::info!("pool check: {}", finding.message),
                Level::Warn => tracing::warn!("pool check: {}", finding.message),
                Level::Fatal => {
                    fatal = true;
                    tracing::error!("pool check: {}", finding.message);
                }
            }
        }
        if fatal && config.production {
            return Err(StartError::Pool);
        }
        let writes_locale = facts.client.as_ref().is_none_or(|c| c.writes_locale);
        let providers = config
            .federation
            .iter()
            .flat_map(|f| &f.providers)
            .map(|p| p.name.clone())
            .collect();
        let cognito = cognito
            .with_locale_attribute(writes_locale)
            .with_identity_providers(providers)
            .with_password_flow(facts.password_flow());
        let challenge_lifetime = Duration::from_secs(
            facts
                .client
                .as_ref()
                .map_or(cognito_auth::cognito::pool::challenge_lifetime_secs(None), |c| {
                    c.challenge_lifetime_secs()
                }),
        );
        let sign_in_methods = facts.sign_in_methods();
        let sign_up = SignUpSettings {
            policy: facts.policy.unwrap_or_default(),
            mode: config.confirmation_mode,
        };

        let verifier = Verifier::new(
            VerifierConfig::new(config.issuer.clone(), config.api_client_ids.clone())
                .with_jwks_url(config.jwks_url.clone())
                .with_leeway(config.jwt_leeway)
                .with_realm("leptos-cognito"),
        )?;
        let store = Arc::new(match &config.redis_url {
            Some(url) => SessionStore::redis(url.expose()).map_err(|e| StartError::Store(e.to_string()))?,
            None => SessionStore::memory(),
        });
        report_store(&store, config.production).await?;
        let revocations = Arc::new(Revocations::new(store.clone(), config.session_max_age));
        let verifier = verifier.with_revocation_check(revocations.clone());
        let sessions = Sessions::new(&config.sessions(), cognito.clone())
            .map_err(|_| StartError::Sessions)?
            .with_revocations(revocations.clone())
            .with_clock(clock.clone())
            .with_unavailable_page(crate::refusals::briefly_unavailable)
            .skipping(crate::routes::skips_session)
            .with_sign_out_path(crate::routes::SIGN_OUT);
        let limits = Arc::new(RateLimits::new(
            config.limits,
            config.trusted_proxies(),
            Some(store),
            sessions.account_ids().clone(),
            clock.clone(),
        ));
        let api = Arc::new(Upstream::new(config.api_url.as_deref())?);
        let oauth = config
            .federation
            .as_ref()
            .map(|federation| OAuth::new(&config.oauth_client(), federation))
            .transpose()?;
        let verifier = Arc::new(verifier);
        let api_state = ApiState::new(ApiParts {
            verifier: verifier.clone(),
            cognito: cognito.clone(),
            revocations: revocations.clone(),
            me_answers: Arc::new(MeCache::new(ME_CACHE_MAX)),
        });
        Ok(Self(Arc::new(SharedState {
            leptos_options,
            config: Arc::new(config),
            cognito,
            sessions: Arc::new(sessions),
            verifier,
            revocations,
            sign_up,
            api_state,
            locales_written: cognito_auth::expiring::ExpiringMap::new(ME_CACHE_MAX),
            limits,
            challenge_lifetime,
            api,
            mfa_required: facts.mfa.is_some_and(|m| m.required),
            sign_in_methods,
            passkeys_verify_user: facts.webauthn.as_ref().is_some_and(|w| w.user_verification_required),
            devices: facts.settings.map(|s| s.devices).unwrap_or_default(),
            remembered_skip_second_step: facts.settings.is_some_and(|s| s.remembered_skip_second_step),
            oauth,
            clock,
        })))
    }
}
