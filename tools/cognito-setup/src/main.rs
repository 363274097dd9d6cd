//! Creates (idempotently) and deletes the user pool and app client the app needs — locally
//! against cognito-local, or on AWS with the very same calls. The scenario's "try it with the
//! CLI, then clean up", as a tool.
//!
//! ```text
//! cognito-setup create [--pool NAME] [--client NAME] [--access-token-seconds N] [--pre-sign-up ARN] [--env-file PATH]
//! cognito-setup delete [--pool NAME]
//! ```
//! Local use sets `AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER=http://127.0.0.1:9229`; without
//! it the tool talks to real Cognito in `AWS_REGION` with the usual AWS credentials.

use aws_config::BehaviorVersion;
use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::types::{
    ExplicitAuthFlowsType, LambdaConfigType, PasswordPolicyType, PreventUserExistenceErrorTypes, TimeUnitsType,
    TokenValidityUnitsType, UserPoolPolicyType, UsernameAttributeType, VerifiedAttributeType,
};
use std::process::ExitCode;

const USAGE: &str = "usage:
  cognito-setup create [--pool NAME] [--client NAME] [--access-token-seconds N] [--pre-sign-up LAMBDA_ARN] [--env-file PATH]
  cognito-setup delete [--pool NAME]

create  finds or makes the user pool and the app client by name and prints (or writes to
        --env-file) COGNITO_USER_POOL_ID and COGNITO_CLIENT_ID for the app.
delete  deletes the pool of that name and everything in it.

--access-token-seconds  lifetime of access and ID tokens (default 3600; AWS allows 300 and up,
                        the local emulator any value, which the tests use to see refresh work).";

struct Args {
    command: String,
    pool: String,
    client: String,
    access_token_seconds: i32,
    pre_sign_up: Option<String>,
    env_file: Option<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = std::env::args().skip(1);
    let command = args.next().ok_or("missing command")?;
    if command != "create" && command != "delete" {
        return Err(format!("unknown command `{command}`"));
    }
    let mut parsed = Args {
        command,
        pool: "leptos-cognito".into(),
        client: "leptos-cognito-web".into(),
        access_token_seconds: 3600,
        pre_sign_up: None,
        env_file: None,
    };
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--pool" => parsed.pool = value()?,
            "--client" => parsed.client = value()?,
            "--access-token-seconds" => {
                parsed.access_token_seconds = value()?
                    .parse()
                    .ok()
                    .filter(|n: &i32| *n > 0)
                    .ok_or("--access-token-seconds takes a positive whole number")?;
            }
            "--pre-sign-up" => parsed.pre_sign_up = Some(value()?),
            "--env-file" => parsed.env_file = Some(value()?),
            other => return Err(format!("unknown option `{other}`")),
        }
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
                .auto_verified_attributes(VerifiedAttributeType::Email)
                .policies(UserPoolPolicyType::builder().password_policy(policy).build());
            if let Some(arn) = &args.pre_sign_up {
                request = request.lambda_config(LambdaConfigType::builder().pre_sign_up(arn).build());
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
    let client_id = match client_id {
        Some(id) => {
            eprintln!("app client `{}` exists: {id}", args.client);
            id
        }
        None => {
            let units = TokenValidityUnitsType::builder()
                .access_token(TimeUnitsType::Seconds)
                .id_token(TimeUnitsType::Seconds)
                .refresh_token(TimeUnitsType::Days)
                .build();
            let id = client
                .create_user_pool_client()
                .user_pool_id(&pool_id)
                .client_name(&args.client)
                // A public client (no secret), like Amplify's: the server keeps the tokens, but
                // the flows are the ones a browser app would use.
                .generate_secret(false)
                .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
                .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
                .explicit_auth_flows(ExplicitAuthFlowsType::AllowAdminUserPasswordAuth)
                .prevent_user_existence_errors(PreventUserExistenceErrorTypes::Enabled)
                .enable_token_revocation(true)
                .token_validity_units(units)
                .access_token_validity(args.access_token_seconds)
                .id_token_validity(args.access_token_seconds)
                .refresh_token_validity(30)
                .send()
                .await?
                .user_pool_client
                .and_then(|c| c.client_id)
                .ok_or("CreateUserPoolClient returned no id")?;
            eprintln!(
                "created app client `{}` ({} s tokens): {id}",
                args.client, args.access_token_seconds
            );
            id
        }
    };

    let env = format!("COGNITO_USER_POOL_ID={pool_id}\nCOGNITO_CLIENT_ID={client_id}\n");
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

async fn delete(client: &Client, name: &str) -> Result<(), Error> {
    let Some(pool_id) = find_pool(client, name).await? else {
        eprintln!("no user pool called `{name}`: nothing to delete");
        return Ok(());
    };
    client.delete_user_pool().user_pool_id(&pool_id).send().await?;
    eprintln!("deleted user pool `{name}` ({pool_id}) with its app clients and users");
    Ok(())
}
