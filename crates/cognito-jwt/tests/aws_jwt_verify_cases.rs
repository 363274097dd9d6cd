//! The cases of `aws-jwt-verify`'s own unit tests (awslabs/aws-jwt-verify,
//! `tests/unit/{cognito-verifier,jwt-verifier,jwk}.test.ts`) that apply to one Cognito user
//! pool, as a table: each row is a token (or a JWKS) and what this verifier answers. Where
//! `aws-jwt-verify` accepts and this refuses, the row says so (`stricter`); the crate's README
//! lists them. The JWKS fetching rules (one fetch at a time, the penalty for unknown `kid`s, a
//! JWKS that fails) are in `tests/verifier.rs`, against a JWKS server.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use base64::Engine as _;
use cognito_jwt::{TokenError, Verifier, VerifierConfig};
use jsonwebtoken::{Algorithm as Alg, EncodingKey, Header};
use serde_json::{Value, json};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const ISSUER: &str = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Test1";
const CLIENT: &str = "client-1";
const KEY_A: &str = include_str!("fixtures/key-a.pem");
const KEY_B: &str = include_str!("fixtures/key-b.pem");

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).expect("clock").as_secs()
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The test JWK of key A, changed by `edit`.
fn jwk_a(edit: impl FnOnce(&mut Value)) -> Value {
    let keys: Value = serde_json::from_str(include_str!("fixtures/keys.json")).expect("keys.json");
    let mut jwk = json!({ "kty": "RSA", "alg": "RS256", "use": "sig", "kid": "kid-a",
        "n": keys["key-a"]["n"], "e": keys["key-a"]["e"] });
    edit(&mut jwk);
    jwk
}

fn verifier_with(jwks: Value, leeway: u64) -> Verifier {
    let config = VerifierConfig::new(ISSUER, [CLIENT]).with_leeway(Duration::from_secs(leeway));
    Verifier::with_keys(config, &jwks.to_string()).expect("jwks")
}

fn verifier() -> Verifier {
    verifier_with(json!({ "keys": [jwk_a(|_| {})] }), 0)
}

fn access() -> Value {
    let t = now();
    json!({ "sub": "u-1", "username": "u-1", "client_id": CLIENT, "token_use": "access",
        "iss": ISSUER, "iat": t, "exp": t + 100, "jti": "j-1", "scope": "aws.cognito.signin.user.admin" })
}

fn id() -> Value {
    let t = now();
    json!({ "sub": "u-1", "aud": CLIENT, "token_use": "id", "iss": ISSUER, "iat": t, "exp": t + 100,
        "cognito:username": "u-1", "email": "ada@example.com" })
}

fn sign_as(alg: Alg, pem: &str, kid: Option<&str>, claims: &Value) -> String {
    let mut header = Header::new(alg);
    header.kid = kid.map(str::to_owned);
    jsonwebtoken::encode(
        &header,
        claims,
        &EncodingKey::from_rsa_pem(pem.as_bytes()).expect("pem"),
    )
    .expect("sign")
}

fn sign(claims: &Value) -> String {
    sign_as(Alg::RS256, KEY_A, Some("kid-a"), claims)
}

/// A token with this header and payload JSON, signed by key A over exactly those bytes.
fn raw(header: &str, payload: &str) -> String {
    use aws_lc_rs::rsa::KeyPair;
    use aws_lc_rs::signature::RSA_PKCS1_SHA256;
    let signed = format!("{}.{}", b64(header.as_bytes()), b64(payload.as_bytes()));
    let der = pem_to_der(KEY_A);
    let key = KeyPair::from_der(&der).expect("PKCS#1 DER");
    let mut signature = vec![0; key.public_modulus_len()];
    key.sign(
        &RSA_PKCS1_SHA256,
        &aws_lc_rs::rand::SystemRandom::new(),
        signed.as_bytes(),
        &mut signature,
    )
    .expect("sign");
    format!("{signed}.{}", b64(&signature))
}

fn pem_to_der(pem: &str) -> Vec<u8> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .expect("pem body")
}

fn with(mut claims: Value, edit: impl FnOnce(&mut Value)) -> Value {
    edit(&mut claims);
    claims
}

/// One row: the case, `aws-jwt-verify`'s answer (for the record), the token, and this
/// verifier's answer to it as an access token.
struct Case {
    case: &'static str,
    theirs: &'static str,
    token: String,
    ours: Result<(), TokenError>,
}

fn case(case: &'static str, theirs: &'static str, token: String, ours: Result<(), TokenError>) -> Case {
    Case {
        case,
        theirs,
        token,
        ours,
    }
}

#[tokio::test]
async fn access_tokens_as_aws_jwt_verify_judges_them() {
    use TokenError::*;
    let t = now();
    let cases = [
        // Parsing.
        case("an empty token", "JwtParseError", String::new(), Err(Malformed)),
        case(
            "two parts",
            "JwtParseError",
            "eyJhbGciOiJSUzI1NiJ9.e30".into(),
            Err(Malformed),
        ),
        case(
            "five parts (a refresh token, a JWE)",
            "JwtParseError",
            "a.b.c.d.e".into(),
            Err(Malformed),
        ),
        case(
            "a header that is not JSON",
            "JwtParseError",
            format!("{}.{}.c2ln", b64(b"nope"), b64(b"{}")),
            Err(Malformed),
        ),
        case(
            "a payload that is not JSON",
            "JwtParseError",
            raw(r#"{"alg":"RS256","kid":"kid-a"}"#, "nope"),
            Err(Claims),
        ),
        case(
            "a payload that is not an object",
            "JwtParseError",
            raw(r#"{"alg":"RS256","kid":"kid-a"}"#, "123"),
            Err(Claims),
        ),
        case(
            "alg that is not a string",
            "JwtParseError",
            raw(r#"{"alg":12345,"kid":"kid-a"}"#, &access().to_string()),
            Err(Algorithm),
        ),
        case(
            "kid that is not a string",
            "JwtParseError",
            raw(r#"{"alg":"RS256","kid":{"foo":"bar"}}"#, &access().to_string()),
            Err(Malformed),
        ),
        case(
            "iss that is not a string",
            "JwtParseError",
            sign(&with(access(), |c| c["iss"] = json!(12345))),
            Err(Claims),
        ),
        case(
            "exp that is not a number",
            "JwtParseError",
            sign(&with(access(), |c| c["exp"] = json!("Garbage"))),
            Err(Claims),
        ),
        case(
            "nbf that is not a number",
            "JwtParseError",
            sign(&with(access(), |c| c["nbf"] = json!("foobar"))),
            Err(Claims),
        ),
        case(
            "iat that is not a number",
            "JwtParseError",
            sign(&with(access(), |c| c["iat"] = json!("12345"))),
            Err(Claims),
        ),
        case(
            "sub that is not a string",
            "JwtParseError",
            sign(&with(access(), |c| c["sub"] = json!(12345))),
            Err(Claims),
        ),
        case(
            "scope that is not a string",
            "JwtParseError",
            sign(&with(access(), |c| c["scope"] = json!(12345))),
            Err(Claims),
        ),
        case(
            "jti that is not a string",
            "JwtParseError",
            sign(&with(access(), |c| c["jti"] = json!(12345))),
            Err(Claims),
        ),
        case(
            "unicode in claim names and values",
            "accepted",
            sign(&with(access(), |c| c["名前"] = json!("値 ✓"))),
            Ok(()),
        ),
        case(
            "each part padded with `=` (stricter: refused)",
            "accepted",
            {
                let token = sign(&access());
                token.split('.').map(|p| format!("{p}=")).collect::<Vec<_>>().join(".")
            },
            Err(Malformed),
        ),
        // The key.
        case(
            "no kid",
            "JwtWithoutValidKidError",
            sign_as(Alg::RS256, KEY_A, None, &access()),
            Err(MissingKid),
        ),
        case(
            "a kid the JWKS does not list",
            "KidNotFoundInJwksError",
            sign_as(Alg::RS256, KEY_A, Some("abcd"), &access()),
            Err(UnknownKid),
        ),
        // The algorithm.
        case(
            "RS384",
            "JwtInvalidSignatureAlgorithmError",
            sign_as(Alg::RS384, KEY_A, Some("kid-a"), &access()),
            Err(Algorithm),
        ),
        case(
            "RS512",
            "JwtInvalidSignatureAlgorithmError",
            sign_as(Alg::RS512, KEY_A, Some("kid-a"), &access()),
            Err(Algorithm),
        ),
        case(
            "PS256",
            "JwtInvalidSignatureAlgorithmError",
            sign_as(Alg::PS256, KEY_A, Some("kid-a"), &access()),
            Err(Algorithm),
        ),
        case(
            "no alg (refused as a malformed header)",
            "JwtInvalidSignatureAlgorithmError",
            raw(r#"{"kid":"kid-a"}"#, &access().to_string()),
            Err(Malformed),
        ),
        case(
            "alg none, no signature",
            "JwtParseError",
            format!(
                "{}.{}.",
                b64(br#"{"alg":"none","kid":"kid-a"}"#),
                b64(access().to_string().as_bytes())
            ),
            Err(Algorithm),
        ),
        case(
            "HS256 signed with the public key's bytes",
            "JwtInvalidSignatureAlgorithmError",
            {
                let mut header = Header::new(Alg::HS256);
                header.kid = Some("kid-a".into());
                jsonwebtoken::encode(
                    &header,
                    &access(),
                    &EncodingKey::from_secret(include_bytes!("fixtures/key-a.pub.pem")),
                )
                .expect("hs256")
            },
            Err(Algorithm),
        ),
        // The signature.
        case(
            "one byte of the signature changed",
            "JwtInvalidSignatureError",
            {
                let token = sign(&access());
                let (head, sig) = token.rsplit_once('.').expect("three parts");
                let mut bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .decode(sig)
                    .expect("b64");
                bytes[10] ^= 1;
                format!("{head}.{}", b64(&bytes))
            },
            Err(Signature),
        ),
        case(
            "signed by another key under the known kid",
            "JwtInvalidSignatureError",
            sign_as(Alg::RS256, KEY_B, Some("kid-a"), &access()),
            Err(Signature),
        ),
        // The standard claims.
        case(
            "exp now",
            "JwtExpiredError",
            sign(&with(access(), |c| c["exp"] = json!(t))),
            Err(Expired),
        ),
        case(
            "exp a minute ago",
            "JwtExpiredError",
            sign(&with(access(), |c| c["exp"] = json!(t - 60))),
            Err(Expired),
        ),
        case(
            "no exp (stricter: required)",
            "accepted",
            sign(&with(access(), |c| {
                c.as_object_mut().unwrap().remove("exp");
            })),
            Err(Claims),
        ),
        case(
            "nbf in 100 s",
            "JwtNotBeforeError",
            sign(&with(access(), |c| c["nbf"] = json!(t + 100))),
            Err(NotYetValid),
        ),
        case(
            "nbf passed",
            "accepted",
            sign(&with(access(), |c| c["nbf"] = json!(t - 1))),
            Ok(()),
        ),
        case(
            "no iss",
            "JwtInvalidIssuerError",
            sign(&with(access(), |c| {
                c.as_object_mut().unwrap().remove("iss");
            })),
            Err(Issuer),
        ),
        case(
            "another pool's iss",
            "JwtInvalidIssuerError (or a kid not found)",
            sign(&with(access(), |c| {
                c["iss"] = json!("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other")
            })),
            Err(Issuer),
        ),
        case(
            "iss with a trailing slash",
            "JwtInvalidIssuerError",
            sign(&with(access(), |c| c["iss"] = json!(format!("{ISSUER}/")))),
            Err(Issuer),
        ),
        // Cognito's own claims.
        case("an access token of this client", "accepted", sign(&access()), Ok(())),
        case(
            "no token_use",
            "CognitoJwtInvalidTokenUseError",
            sign(&with(access(), |c| {
                c.as_object_mut().unwrap().remove("token_use");
            })),
            Err(NotAccessToken),
        ),
        case(
            "an ID token where an access token is asked for",
            "CognitoJwtInvalidTokenUseError",
            sign(&id()),
            Err(NotAccessToken),
        ),
        case(
            "another app client's access token",
            "CognitoJwtInvalidClientIdError",
            sign(&with(access(), |c| c["client_id"] = json!("client-2"))),
            Err(Client),
        ),
        case(
            "no client_id",
            "CognitoJwtInvalidClientIdError",
            sign(&with(access(), |c| {
                c.as_object_mut().unwrap().remove("client_id");
            })),
            Err(Client),
        ),
        case(
            "an oversized token (stricter: over 8 KiB refused unread)",
            "accepted if signed",
            sign(&with(access(), |c| c["padding"] = json!("x".repeat(9000)))),
            Err(TooLarge),
        ),
    ];
    let verifier = verifier();
    let mut wrong = vec![];
    for Case {
        case,
        theirs,
        token,
        ours,
    } in &cases
    {
        let got = verifier.verify_access(token).await.map(|_| ());
        if got != *ours {
            wrong.push(format!(
                "{case} (aws-jwt-verify: {theirs}): expected {ours:?}, got {got:?}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[tokio::test]
async fn id_tokens_as_aws_jwt_verify_judges_them() {
    use TokenError::*;
    let verifier = verifier();
    let cases: [(&str, &str, Value, Result<(), TokenError>); 6] = [
        ("an ID token of this client", "accepted", id(), Ok(())),
        (
            "aud another client",
            "CognitoJwtInvalidClientIdError",
            with(id(), |c| c["aud"] = json!("client-2")),
            Err(Client),
        ),
        (
            "aud a list (Cognito sends one)",
            "refused: aud not a string",
            with(id(), |c| c["aud"] = json!([CLIENT])),
            Err(Client),
        ),
        (
            "an access token where an ID token is asked for",
            "CognitoJwtInvalidTokenUseError",
            access(),
            Err(Client),
        ),
        (
            "token_use access with this aud",
            "CognitoJwtInvalidTokenUseError",
            with(id(), |c| c["token_use"] = json!("access")),
            Err(NotIdToken),
        ),
        (
            "expired",
            "JwtExpiredError",
            with(id(), |c| c["exp"] = json!(now() - 1)),
            Err(Expired),
        ),
    ];
    for (case, theirs, claims, ours) in cases {
        let got = verifier.verify_id(&sign(&claims)).await.map(|_| ());
        assert_eq!(got, ours, "{case} (aws-jwt-verify: {theirs})");
    }
}

#[tokio::test]
async fn the_leeway_works_both_ways_as_grace_seconds_do() {
    // Ten seconds either side of the grace: a slow machine may take a second or two between
    // signing and checking (the clock is read again for each case), never ten.
    let verifier = verifier_with(json!({ "keys": [jwk_a(|_| {})] }), 1000);
    for (case, claim, offset, ours) in [
        ("expired 990 s ago, 1000 s of grace", "exp", -990, Ok(())),
        (
            "expired 1010 s ago, 1000 s of grace",
            "exp",
            -1010,
            Err(TokenError::Expired),
        ),
        ("nbf in 990 s, 1000 s of grace", "nbf", 990, Ok(())),
        (
            "nbf in 1010 s, 1000 s of grace",
            "nbf",
            1010,
            Err(TokenError::NotYetValid),
        ),
    ] {
        let at = now().checked_add_signed(offset).expect("a time after 1970");
        let claims = with(access(), |c| c[claim] = json!(at));
        assert_eq!(verifier.verify_access(&sign(&claims)).await.map(|_| ()), ours, "{case}");
    }
}

#[tokio::test]
async fn the_keys_a_jwks_offers_as_aws_jwt_verify_takes_them() {
    let token = sign(&access());
    for (case, theirs, jwk, ours) in [
        (
            "a key without alg",
            "accepted",
            jwk_a(|k| {
                k.as_object_mut().unwrap().remove("alg");
            }),
            Ok(()),
        ),
        (
            "a key for RS384",
            "JwtInvalidSignatureAlgorithmError",
            jwk_a(|k| k["alg"] = json!("RS384")),
            Err(TokenError::UnknownKid),
        ),
        (
            "a key whose use is not sig",
            "JwkInvalidUseError",
            jwk_a(|k| k["use"] = json!("notsig")),
            Err(TokenError::UnknownKid),
        ),
        (
            "a key without use (stricter: skipped)",
            "accepted",
            jwk_a(|k| {
                k.as_object_mut().unwrap().remove("use");
            }),
            Err(TokenError::UnknownKid),
        ),
        (
            "a key without n",
            "JwkValidationError",
            jwk_a(|k| {
                k.as_object_mut().unwrap().remove("n");
            }),
            Err(TokenError::UnknownKid),
        ),
        (
            "a key without e",
            "JwkValidationError",
            jwk_a(|k| {
                k.as_object_mut().unwrap().remove("e");
            }),
            Err(TokenError::UnknownKid),
        ),
        (
            "a key of another kty",
            "JwkInvalidKtyError",
            jwk_a(|k| k["kty"] = json!("oct")),
            Err(TokenError::UnknownKid),
        ),
    ] {
        let verifier = verifier_with(json!({ "keys": [jwk] }), 0);
        assert_eq!(
            verifier.verify_access(&token).await.map(|_| ()),
            ours,
            "{case} (aws-jwt-verify: {theirs})"
        );
    }
    // A JWKS with other keys beside the token's (a key with no kid, a key with no n and e) is
    // no reason to refuse.
    let mixed = json!({ "keys": [
        { "kty": "RSA", "alg": "PS256", "use": "sig", "kid": "other" },
        { "kty": "EC", "crv": "P-256", "use": "sig", "x": "AAAA", "y": "AAAA" },
        jwk_a(|_| {}),
    ]});
    assert_eq!(verifier_with(mixed, 0).verify_access(&token).await.map(|_| ()), Ok(()));
    // An empty set is a set without the key.
    let empty = verifier_with(json!({ "keys": [] }), 0);
    assert_eq!(
        empty.verify_access(&token).await.map(|_| ()),
        Err(TokenError::UnknownKid)
    );
}
