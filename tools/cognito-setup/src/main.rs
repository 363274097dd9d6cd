//! Creates (idempotently) and deletes the user pool and app client the app needs — locally
//! against cognito-local, or on AWS with the very same calls. The scenario's "try it with the
//! CLI, then clean up", as a tool.
//!
//! ```text
//! cognito-setup create [--pool NAME] [--client NAME] [--with-secret] [--mfa off|optional|required]
//!                      [--access-token-seconds N] [--pre-sign-up ARN] [--env-file PATH]
//!                      [--passwordless RELYING_PARTY_ID [--email-codes]]
//!                      [--client-flows password|srp] [--devices off|always|opt-in]
//!                      [--oauth APP_URL [--domain PREFIX] [--oidc-provider NAME,ISSUER,CLIENT_ID,SECRET]...]
//! cognito-setup invite EMAIL [--pool NAME]
//! cognito-setup delete [--pool NAME]
//! ```
//! Local use sets `AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER=http://127.0.0.1:9229`; without
//! it the tool talks to real Cognito in `AWS_REGION` with the usual AWS credentials.

use aws_config::BehaviorVersion;
use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::types::{
    AttributeType, AuthFactorType, DeliveryMediumType, DeviceConfigurationType, ExplicitAuthFlowsType,
    IdentityProviderTypeType, LambdaConfigType, OAuthFlowType, PasswordPolicyType, PreventUserExistenceErrorTypes,
    SignInPolicyType, SoftwareTokenMfaConfigType, TimeUnitsType, TokenValidityUnitsType,
    UserAttributeUpdateSettingsType, UserPoolMfaType, UserPoolPolicyType, UserPoolTierType, UserVerificationType,
    UsernameAttributeType, UsernameConfigurationType, VerifiedAttributeType, WebAuthnConfigurationType,
};
use std::process::ExitCode;

const USAGE: &str = "usage:
  cognito-setup create [--pool NAME] [--client NAME] [--with-secret] [--mfa off|optional|required]
                       [--access-token-seconds N] [--pre-sign-up LAMBDA_ARN] [--env-file PATH]
                       [--passwordless RELYING_PARTY_ID [--email-codes]]
                       [--client-flows password|srp] [--devices off|always|opt-in]
                       [--oauth APP_URL [--domain PREFIX] [--oidc-provider NAME,ISSUER,CLIENT_ID,SECRET]...]
  cognito-setup invite EMAIL [--pool NAME]
  cognito-setup delete [--pool NAME]

create  finds or makes the user pool and the app client by name and prints (or writes to
        --env-file) COGNITO_USER_POOL_ID, COGNITO_CLIENT_ID and, for a client with a secret,
        COGNITO_CLIENT_SECRET for the app.
invite  creates a user as an administrator would (AdminCreateUser): on AWS, Cognito e-mails
        them a temporary password; against the local emulator it is printed here. Their first
        sign-in asks them to choose their own (NEW_PASSWORD_REQUIRED).
delete  deletes the pool of that name and everything in it.

--with-secret           make the app client confidential (a client secret), as AWS advises for
                        an app with a server; the app then needs COGNITO_CLIENT_SECRET.
--mfa                   two-step sign-in with authenticator apps (TOTP): optional (default:
                        people may turn it on), required (set up at first sign-in), or off.

--passwordless          also sign in with a passkey (USER_AUTH): the pool's first factors
                        PASSWORD and WEB_AUTHN, the client's ALLOW_USER_AUTH, passkeys for
                        RELYING_PARTY_ID (the app's host, e.g. app.example.com; localhost
                        locally) with user verification required. A new pool and client only;
                        Essentials tier; not with --mfa required.
--email-codes           with --passwordless, also sign in with a code by e-mail (EMAIL_OTP). On
                        AWS, Cognito sends those only through the pool's own SES identity
                        (EmailSendingAccount DEVELOPER): set that up before the first sign-in.
--client-flows          how the app client lets a password sign in: password (default:
                        ALLOW_USER_PASSWORD_AUTH), or srp (ALLOW_USER_SRP_AUTH only, as Amplify
                        and the console make clients: the password never leaves the server).
                        ALLOW_REFRESH_TOKEN_AUTH either way. A new client only.
--devices               the pool remembers devices: always, or opt-in (when the person ticks
                        \"Remember this browser\"), each skipping the second step; off by
                        default. A new pool only.
--oauth                 sign-in through the pool's own pages (\"Continue with …\", managed login):
                        the client gets the code flow, the scopes openid, email, profile and
                        aws.cognito.signin.user.admin, APP_URL/auth/callback as its callback
                        and APP_URL/ as its sign-out URL. A new client only.
--domain                with --oauth, the pool's domain PREFIX.auth.<region>.amazoncognito.com
                        (AWS; the local emulators answer at their own address without one).
--oidc-provider         with --oauth, an OpenID Connect identity provider NAME (what
                        COGNITO_IDENTITY_PROVIDERS names) at ISSUER with the client id and secret
                        it gave this pool; its e-mail and name are mapped. Repeatable.
--access-token-seconds  lifetime of access and ID tokens (default 3600; AWS allows 300 and up,
                        the local emulator any value, which the tests use to see refresh work).";

struct Args {
    command: String,
    pool: String,
    client: String,
    with_secret: bool,
    mfa: UserPoolMfaType,
    access_token_seconds: i32,
    pre_sign_up: Option<String>,
    env_file: Option<String>,
    email: Option<String>,
    passwordless: Option<String>,
    email_codes: bool,
    /// `--client-flows srp`: the client allows SRP and not the plain password flow.
    srp_only: bool,
    /// `--devices`: `None` off; `Some(true)` opt-in, `Some(false)` always.
    devices: Option<bool>,
    /// `--oauth`: the app's origin, for the client's callback and sign-out URLs.
    oauth: Option<String>,
    domain: Option<String>,
    oidc_providers: Vec<OidcProvider>,
}

/// `--oidc-provider NAME,ISSUER,CLIENT_ID,SECRET`.
struct OidcProvider {
    name: String,
    issuer: String,
    client_id: String,
    secret: String,
}

fn parse_args() -> Result<Args, String> {
    let mut args = std::env::args().skip(1);
    let command = args.next().ok_or("missing command")?;
    if !matches!(command.as_str(), "create" | "delete" | "invite") {
        return Err(format!("unknown command `{command}`"));
    }
    let mut parsed = Args {
        command,
        pool: "leptos-cognito".into(),
        client: "leptos-cognito-web".into(),
        with_secret: false,
        mfa: UserPoolMfaType::Optional,
        access_token_seconds: 3600,
        pre_sign_up: None,
        env_file: None,
        email: None,
        passwordless: None,
        email_codes: false,
        srp_only: false,
        devices: None,
        oauth: None,
        domain: None,
        oidc_providers: Vec::new(),
    };
    if parsed.command == "invite" {
        let email = args.next().filter(|e| e.contains('@') && !e.starts_with('-'));
        parsed.email = Some(email.ok_or("invite needs the e-mail address of the person to invite")?);
    }
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--pool" => parsed.pool = value()?,
            "--client" => parsed.client = value()?,
            "--with-secret" => parsed.with_secret = true,
            "--mfa" => {
                parsed.mfa = match value()?.as_str() {
                    "off" => UserPoolMfaType::Off,
                    "optional" => UserPoolMfaType::Optional,
                    "required" => UserPoolMfaType::On,
                    _ => return Err("--mfa takes off, optional or required".into()),
                }
            }
            "--access-token-seconds" => {
                parsed.access_token_seconds = value()?
                    .parse()
                    .ok()
                    .filter(|n: &i32| *n > 0)
                    .ok_or("--access-token-seconds takes a positive whole number")?;
            }
            "--pre-sign-up" => parsed.pre_sign_up = Some(value()?),
            "--env-file" => parsed.env_file = Some(value()?),
            "--passwordless" => parsed.passwordless = Some(value()?),
            "--email-codes" => parsed.email_codes = true,
            "--client-flows" => {
                parsed.srp_only = match value()?.as_str() {
                    "password" => false,
                    "srp" => true,
                    _ => return Err("--client-flows takes password or srp".into()),
                }
            }
            "--devices" => {
                parsed.devices = match value()?.as_str() {
                    "off" => None,
                    "always" => Some(false),
                    "opt-in" => Some(true),
                    _ => return Err("--devices takes off, always or opt-in".into()),
                }
            }
            "--oauth" => {
                let url = value()?.trim_end_matches('/').to_owned();
                if !(url.starts_with("http://") || url.starts_with("https://")) {
                    return Err("--oauth takes the app's origin, like https://app.example.com".into());
                }
                parsed.oauth = Some(url);
            }
            "--domain" => parsed.domain = Some(value()?),
            "--oidc-provider" => {
                let v = value()?;
                let parts: Vec<&str> = v.splitn(4, ',').collect();
                let [name, issuer, client_id, secret] = parts[..] else {
                    return Err("--oidc-provider takes NAME,ISSUER,CLIENT_ID,SECRET".into());
                };
                parsed.oidc_providers.push(OidcProvider {
                    name: name.into(),
                    issuer: issuer.into(),
                    client_id: client_id.into(),
                    secret: secret.into(),
                });
            }
            other => return Err(format!("unknown option `{other}`")),
        }
    }
    if parsed.oauth.is_none() && (parsed.domain.is_some() || !parsed.oidc_providers.is_empty()) {
        return Err("--domain and --oidc-provider need --oauth".into());
    }
    if parsed.email_codes && parsed.passwordless.is_none() {
        return Err("--email-codes needs --passwordless".into());
    }
    // Cognito refuses passwordless first factors when MFA is required (unless passkeys count as
    // two factors, which this tool does not set up).
    if parsed.passwordless.is_some() && parsed.mfa == UserPoolMfaType::On {
        return Err("--passwordless cannot go with --mfa required".into());
    }
    Ok(parsed)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(e) => {
            eprintln!("error: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let config = aws_config::defaults(BehaviorVersion::latest()).load().await;
    let client = Client::new(&config);
    let result = match args.command.as_str() {
        "create" => create(&client, &args).await,
        "invite" => invite(&client, &args).await,
        _ => delete(&client, &args.pool).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

type Error = Box<dyn std::error::Error + Send + Sync>;

/// The id of the pool called `name`, if there is one.
async fn find_pool(client: &Client, name: &str) -> Result<Option<String>, Error> {
    let mut pages = client.list_user_pools().max_results(60).into_paginator().send();
    while let Some(page) = pages.next().await {
        for pool in page?.user_pools.unwrap_or_default() {
            if pool.name.as_deref() == Some(name) {
                return Ok(pool.id);
            }
        }
    }
    Ok(None)
}

async fn create(client: &Client, args: &Args) -> Result<(), Error> {
    let pool_id = match find_pool(client, &args.pool).await? {
        Some(id) => {
            eprintln!("user pool `{}` exists: {id}", args.pool);
            if args.passwordless.is_some() {
                eprintln!(
                    "note: --passwordless sets up a new pool only; the existing pool's sign-in policy is unchanged"
                );
            }
            id
        }
        None => {
            let policy = PasswordPolicyType::builder()
                .minimum_length(8)
                .require_uppercase(true)
                .require_lowercase(true)
                .require_numbers(true)
                .require_symbols(true)
                .build();
            let mut request = client
                .create_user_pool()
                .pool_name(&args.pool)
                // E-mail is the username, and Cognito marks it verified once the code is used.
                .username_attributes(UsernameAttributeType::Email)
                // `Ada@Example.com` and `ada@example.com` are one person (the app lowercases
                // what is typed; a case-sensitive pool would keep an invited address as given).
                .username_configuration(UsernameConfigurationType::builder().case_sensitive(false).build()?)
                .auto_verified_attributes(VerifiedAttributeType::Email)
                // A new e-mail takes effect only once its code is entered: until then the old
                // address stays the one people sign in with.
                .user_attribute_update_settings(
                    UserAttributeUpdateSettingsType::builder()
                        .attributes_require_verification_before_update(VerifiedAttributeType::Email)
                        .build(),
                );
            let mut policies = UserPoolPolicyType::builder().password_policy(policy);
            if args.passwordless.is_some() {
                // Choice-based sign-in (Essentials tier): the password, a code by e-mail, a passkey.
                let mut factors = SignInPolicyType::builder()
                    .allowed_first_auth_factors(AuthFactorType::Password)
                    .allowed_first_auth_factors(AuthFactorType::WebAuthn);
                if args.email_codes {
                    factors = factors.allowed_first_auth_factors(AuthFactorType::EmailOtp);
                }
                policies = policies.sign_in_policy(factors.build());
                request = request.user_pool_tier(UserPoolTierType::Essentials);
            }
            request = request.policies(policies.build());
            if let Some(arn) = &args.pre_sign_up {
                request = request.lambda_config(LambdaConfigType::builder().pre_sign_up(arn).build());
            }
            if let Some(opt_in) = args.devices {
                request = request.device_configuration(
                    DeviceConfigurationType::builder()
                        .challenge_required_on_new_device(true)
                        .device_only_remembered_on_user_prompt(opt_in)
                        .build(),
                );
            }
            let id = request
                .send()
                .await?
                .user_pool
                .and_then(|p| p.id)
                .ok_or("CreateUserPool returned no id")?;
            eprintln!("created user pool `{}`: {id}", args.pool);
            id
        }
    };
    set_mfa(client, &pool_id, &args.mfa, args.passwordless.as_deref()).await?;
    if args.oauth.is_some() {
        set_up_federation(client, &pool_id, args).await?;
    }

    let mut client_id = None;
    let mut pages = client
        .list_user_pool_clients()
        .user_pool_id(&pool_id)
        .max_results(60)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        for c in page?.user_pool_clients.unwrap_or_default() {
            if c.client_name.as_deref() == Some(args.client.as_str()) {
                client_id = c.client_id;
            }
        }
    }
    let (client_id, secret) = match client_id {
        Some(id) => {
            eprintln!("app client `{}` exists: {id}", args.client);
            if args.passwordless.is_some() {
                eprintln!("note: --passwordless does not add ALLOW_USER_AUTH to an existing client");
            }
            if args.srp_only {
                eprintln!("note: --client-flows does not change an existing client's flows");
            }
            if args.oauth.is_some() {
                eprintln!("note: --oauth does not change an existing client's OAuth settings");
            }
            // Its secret, if it has one, goes into the environment again.
            let secret = client
                .describe_user_pool_client()
                .user_pool_id(&pool_id)
                .client_id(&id)
                .send()
                .await?
                .user_pool_client
                .and_then(|c| c.client_secret);
            if secret.is_some() != args.with_secret {
                eprintln!(
                    "note: the existing client {} a secret; --with-secret does not change an existing client \
                     (delete it, or use another --client name)",
                    if secret.is_some() { "has" } else { "has no" }
                );
            }
            (id, secret)
        }
        None => {
            let units = TokenValidityUnitsType::builder()
                .access_token(TimeUnitsType::Seconds)
                .id_token(TimeUnitsType::Seconds)
                .refresh_token(TimeUnitsType::Days)
                .build();
            let mut request = client
                .create_user_pool_client()
                .user_pool_id(&pool_id)
                .client_name(&args.client)
                // Public by default, like Amplify's client; with --with-secret confidential, as
                // AWS advises for an app with a server (the app then sends SECRET_HASH).
                .generate_secret(args.with_secret)
                .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
                .prevent_user_existence_errors(PreventUserExistenceErrorTypes::Enabled)
                .enable_token_revocation(true)
                .token_validity_units(units)
                .access_token_validity(args.access_token_seconds)
                .id_token_validity(args.access_token_seconds)
                .refresh_token_validity(30)
                // Sign-in challenges (MFA codes, a new password) may take this long.
                .auth_session_validity(5);
            // SRP only, as Amplify and the console make clients; else the password flow (and its
            // admin twin, for the tests' own calls).
            request = if args.srp_only {
                request.explicit_auth_flows(ExplicitAuthFlowsType::AllowUserSrpAuth)
            } else {
                request
                    .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
                    .explicit_auth_flows(ExplicitAuthFlowsType::AllowAdminUserPasswordAuth)
            };
            if args.passwordless.is_some() {
                request = request.explicit_auth_flows(ExplicitAuthFlowsType::AllowUserAuth);
            }
            if let Some(app_url) = &args.oauth {
                request = request
                    .allowed_o_auth_flows_user_pool_client(true)
                    .allowed_o_auth_flows(OAuthFlowType::Code)
                    .set_allowed_o_auth_scopes(Some(
                        ["openid", "email", "profile", "aws.cognito.signin.user.admin"]
                            .map(str::to_owned)
                            .to_vec(),
                    ))
                    .callback_urls(format!("{app_url}/auth/callback"))
                    .logout_urls(format!("{app_url}/"))
                    .supported_identity_providers("COGNITO");
                for provider in &args.oidc_providers {
                    request = request.supported_identity_providers(&provider.name);
                }
            }
            let created = request
                .send()
                .await?
                .user_pool_client
                .ok_or("CreateUserPoolClient returned no client")?;
            let id = created.client_id.ok_or("CreateUserPoolClient returned no id")?;
            let secret = created.client_secret;
            eprintln!(
                "created app client `{}` ({} s tokens{}): {id}",
                args.client,
                args.access_token_seconds,
                if secret.is_some() { ", with a secret" } else { "" }
            );
            (id, secret)
        }
    };

    // Managed login shows a client's pages only with a style: Cognito's own, unless it has one.
    if args.domain.is_some() {
        let styled = client
            .describe_managed_login_branding_by_client()
            .user_pool_id(&pool_id)
            .client_id(&client_id)
            .send()
            .await;
        match styled {
            Ok(_) => eprintln!("the app client has a managed login style"),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_not_found_exception()) =>
            {
                client
                    .create_managed_login_branding()
                    .user_pool_id(&pool_id)
                    .client_id(&client_id)
                    .use_cognito_provided_values(true)
                    .send()
                    .await?;
                eprintln!("created the managed login style (Cognito's own) for the app client");
            }
            Err(e) => return Err(e.into()),
        }
    }

    let mut env = format!("COGNITO_USER_POOL_ID={pool_id}\nCOGNITO_CLIENT_ID={client_id}\n");
    if let Some(prefix) = &args.domain {
        env.push_str(&format!("COGNITO_DOMAIN={prefix}\n"));
    }
    if !args.oidc_providers.is_empty() {
        let names: Vec<&str> = args.oidc_providers.iter().map(|p| p.name.as_str()).collect();
        env.push_str(&format!("COGNITO_IDENTITY_PROVIDERS={}\n", names.join(",")));
    }
    if let Some(secret) = &secret {
        env.push_str(&format!("COGNITO_CLIENT_SECRET={secret}\n"));
    }
    match &args.env_file {
        Some(path) => {
            std::fs::write(path, &env).map_err(|e| format!("writing {path}: {e}"))?;
            eprintln!("wrote {path}");
        }
        None => {
            use std::io::Write as _;
            std::io::stdout()
                .write_all(env.as_bytes())
                .map_err(|e| format!("writing to stdout: {e}"))?;
        }
    }
    Ok(())
}

/// The pool's domain and identity providers for `--oauth` (idempotent: what exists is kept).
/// Providers come before the app client, which may only name providers that exist.
async fn set_up_federation(client: &Client, pool_id: &str, args: &Args) -> Result<(), Error> {
    if let Some(prefix) = &args.domain {
        let pool = client
            .describe_user_pool()
            .user_pool_id(pool_id)
            .send()
            .await?
            .user_pool;
        match pool.and_then(|p| p.domain) {
            Some(existing) => {
                // A classic hosted UI domain becomes managed login (version 2).
                let version = client
                    .describe_user_pool_domain()
                    .domain(&existing)
                    .send()
                    .await?
                    .domain_description
                    .and_then(|d| d.managed_login_version);
                if version == Some(2) {
                    eprintln!("pool domain exists: {existing} (managed login)");
                } else {
                    client
                        .update_user_pool_domain()
                        .user_pool_id(pool_id)
                        .domain(&existing)
                        .managed_login_version(2)
                        .send()
                        .await?;
                    eprintln!("pool domain {existing}: switched from the classic hosted UI to managed login");
                }
            }
            None => {
                client
                    .create_user_pool_domain()
                    .user_pool_id(pool_id)
                    .domain(prefix)
                    // Managed login, not the classic hosted UI: pages in the person's language.
                    .managed_login_version(2)
                    .send()
                    .await?;
                eprintln!("created pool domain `{prefix}` (managed login)");
            }
        }
    }
    for provider in &args.oidc_providers {
        let exists = client
            .describe_identity_provider()
            .user_pool_id(pool_id)
            .provider_name(&provider.name)
            .send()
            .await
            .is_ok();
        if exists {
            eprintln!("identity provider `{}` exists", provider.name);
            continue;
        }
        let details = [
            ("client_id", provider.client_id.as_str()),
            ("client_secret", provider.secret.as_str()),
            ("authorize_scopes", "openid email profile"),
            ("oidc_issuer", provider.issuer.as_str()),
            ("attributes_request_method", "GET"),
        ];
        client
            .create_identity_provider()
            .user_pool_id(pool_id)
            .provider_name(&provider.name)
            .provider_type(IdentityProviderTypeType::Oidc)
            .set_provider_details(Some(
                details
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect(),
            ))
            // The provider's claims, as the pool's attributes (the ID token's `email`).
            .attribute_mapping("email", "email")
            // Whether the provider verified the address (what lambda/pre-sign-up's linking needs).
            .attribute_mapping("email_verified", "email_verified")
            .attribute_mapping("name", "name")
            .send()
            .await?;
        eprintln!(
            "created OpenID Connect identity provider `{}` ({})",
            provider.name, provider.issuer
        );
    }
    Ok(())
}

/// Two-step sign-in with authenticator apps, as `--mfa` says (idempotent).
async fn set_mfa(
    client: &Client,
    pool_id: &str,
    mfa: &UserPoolMfaType,
    passkeys_for: Option<&str>,
) -> Result<(), Error> {
    let totp = SoftwareTokenMfaConfigType::builder()
        .enabled(*mfa != UserPoolMfaType::Off)
        .build();
    let mut request = client
        .set_user_pool_mfa_config()
        .user_pool_id(pool_id)
        .software_token_mfa_configuration(totp)
        .mfa_configuration(mfa.clone());
    if let Some(rp) = passkeys_for {
        request = request.web_authn_configuration(
            WebAuthnConfigurationType::builder()
                .relying_party_id(rp)
                .user_verification(UserVerificationType::Required)
                .build(),
        );
    }
    request.send().await?;
    eprintln!("two-step sign-in (authenticator apps): {}", mfa.as_str().to_lowercase());
    if let Some(rp) = passkeys_for {
        eprintln!("passkeys and e-mail codes: on (relying party {rp}, user verification required)");
    }
    Ok(())
}

/// The emulator cannot send e-mail: a local invitation prints its temporary password.
fn is_local() -> bool {
    std::env::var("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER")
        .is_ok_and(|url| url.contains("://127.0.0.1") || url.contains("://localhost"))
}

/// A temporary password that meets the pool's default policy (every character class, 20
/// characters), from the operating system's random source.
fn temporary_password() -> Result<String, Error> {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut bytes = [0u8; 16];
    aws_lc_rs::rand::fill(&mut bytes).map_err(|_| "no random source")?;
    let body: String = bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect();
    Ok(format!("Tmp-{body}a9Z"))
}

async fn invite(client: &Client, args: &Args) -> Result<(), Error> {
    // As the app's forms parse it: trimmed, lower-case.
    let email = args
        .email
        .as_deref()
        .ok_or("invite needs an e-mail address")?
        .trim()
        .to_lowercase();
    let email = email.as_str();
    let pool_id = find_pool(client, &args.pool)
        .await?
        .ok_or_else(|| format!("no user pool called `{}`: run `cognito-setup create` first", args.pool))?;
    let attribute = |name: &str, value: &str| AttributeType::builder().name(name).value(value).build();
    let mut request = client
        .admin_create_user()
        .user_pool_id(&pool_id)
        .username(email)
        .user_attributes(attribute("email", email)?)
        // The invitation reaches this address, so it is verified (password resets can go there).
        .user_attributes(attribute("email_verified", "true")?)
        .desired_delivery_mediums(DeliveryMediumType::Email);
    let temporary = if is_local() {
        let password = temporary_password()?;
        request = request.temporary_password(&password);
        Some(password)
    } else {
        None
    };
    request.send().await?;
    match temporary {
        Some(password) => {
            eprintln!("invited {email}: sign in with this temporary password, then choose your own");
            // On stdout alone, so scripts (and the browser tests) can read it.
            use std::io::Write as _;
            writeln!(std::io::stdout(), "{password}").map_err(|e| format!("writing to stdout: {e}"))?;
        }
        None => eprintln!("invited {email}: Cognito has e-mailed them a temporary password"),
    }
    Ok(())
}

async fn delete(client: &Client, name: &str) -> Result<(), Error> {
    let Some(pool_id) = find_pool(client, name).await? else {
        eprintln!("no user pool called `{name}`: nothing to delete");
        return Ok(());
    };
    client.delete_user_pool().user_pool_id(&pool_id).send().await?;
    eprintln!("deleted user pool `{name}` ({pool_id}) with its app clients and users");
    Ok(())
}
