// A test double of Cognito's passwordless sign-in, for the browser tests only (scripts/test's
// `passkeys` run; never used by scripts/dev). No Cognito emulator implements USER_AUTH, passkeys
// (WEB_AUTHN) or e-mailed sign-in codes, so this small server stands in front of cognito-local
// and answers those calls the way Cognito's API does — same operations, same JSON shapes, same
// exception names — while forwarding every other call to cognito-local untouched.
//
// What it stands in for, and how:
// - InitiateAuth USER_AUTH (PREFERRED_CHALLENGE, SELECT_CHALLENGE + AvailableChallenges) and
//   RespondToAuthChallenge SELECT_CHALLENGE / WEB_AUTHN / EMAIL_OTP.
// - StartWebAuthnRegistration, CompleteWebAuthnRegistration, ListWebAuthnCredentials,
//   DeleteWebAuthnCredential, with the person's access token (checked by cognito-local's GetUser).
// - The WebAuthn checks themselves — challenge, origin, relying-party id, user verification,
//   signature, counter — are made by @simplewebauthn/server, a real WebAuthn library, in place
//   of Cognito's own. What Cognito checks beyond them is not modelled.
// - Tokens for a passkey or e-mail-code sign-in are minted with cognito-local's signing key and
//   claims (so the app's verifier and cognito-local's account calls accept them), with refresh
//   tokens of its own that it alone refreshes and revokes.
// - The e-mailed codes are "sent" to GET /_double/codes (the tests read them there).
//
// Settings (environment): PORT, UPSTREAM (cognito-local's URL), POOL_ID, ISSUER_DOMAIN (the
// `iss` prefix cognito-local uses), COGNITO_LOCAL_KEY (its private key, JSON with `pem`),
// RP_ID, RP_NAME, ORIGINS (comma-separated), USER_VERIFICATION (required | preferred).

import { createServer } from "node:http";
import { createSign, randomBytes, randomInt, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from "@simplewebauthn/server";

const env = (name, fallback) => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};
const PORT = Number(env("PORT"));
const UPSTREAM = env("UPSTREAM");
const POOL_ID = env("POOL_ID");
const ISSUER = `${env("ISSUER_DOMAIN")}/${POOL_ID}`;
const KEY = JSON.parse(readFileSync(env("COGNITO_LOCAL_KEY"), "utf8")).pem;
const RP_ID = env("RP_ID", "localhost");
const RP_NAME = env("RP_NAME", "leptos-cognito");
const ORIGINS = env("ORIGINS").split(",").filter(Boolean);
const USER_VERIFICATION = env("USER_VERIFICATION", "required");
const SESSION_SECONDS = 180;
const EMAIL_CODE_TRIES = 3;

/** Per user (by `sub`): their passkeys. */
const passkeys = new Map();
/** Registrations waiting for CompleteWebAuthnRegistration, by `sub`. */
const registrations = new Map();
/** Sign-in sessions of this double, by Session string. */
const sessions = new Map();
/** Refresh tokens this double issued. */
const refreshTokens = new Map();
/** The last sign-in code "e-mailed" to each address. */
const codes = new Map();

class CognitoError extends Error {
  constructor(type, message, status = 400) {
    super(message);
    this.type = type;
    this.status = status;
  }
}

async function upstream(op, body) {
  const response = await fetch(UPSTREAM, {
    method: "POST",
    headers: { "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": `AWSCognitoIdentityProviderService.${op}` },
    body: JSON.stringify(body),
  });
  const json = await response.json().catch(() => ({}));
  if (!response.ok) throw new CognitoError(json.__type ?? "InternalErrorException", json.message ?? "", response.status);
  return json;
}

const attribute = (user, name) => (user.UserAttributes ?? user.Attributes ?? []).find((a) => a.Name === name)?.Value;

/** The user an access token belongs to, as cognito-local's GetUser sees it. */
async function userOfToken(accessToken) {
  const user = await upstream("GetUser", { AccessToken: accessToken });
  return { username: user.Username, sub: attribute(user, "sub"), email: attribute(user, "email") };
}

async function userByName(username) {
  try {
    const user = await upstream("AdminGetUser", { UserPoolId: POOL_ID, Username: username });
    return user;
  } catch (e) {
    if (e.type === "UserNotFoundException") return undefined;
    throw e;
  }
}

function sign(payload) {
  const part = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const data = `${part({ alg: "RS256", typ: "JWT", kid: "CognitoLocal" })}.${part(payload)}`;
  return `${data}.${createSign("RSA-SHA256").update(data).sign(KEY, "base64url")}`;
}

const UNIT_SECONDS = { seconds: 1, minutes: 60, hours: 3600, days: 86400 };

/** Tokens as cognito-local makes them (its tokenGenerator's claims), signed with its key. */
async function mint(username, clientId, refreshToken) {
  const user = await upstream("AdminGetUser", { UserPoolId: POOL_ID, Username: username });
  const { UserPoolClient: client } = await upstream("DescribeUserPoolClient", { UserPoolId: POOL_ID, ClientId: clientId });
  const lifetime = (value, unit, fallback) =>
    value === undefined ? fallback : value * UNIT_SECONDS[unit ?? "hours"];
  const now = Math.floor(Date.now() / 1000);
  const eventId = randomUUID();
  const sub = attribute(user, "sub");
  const access = lifetime(client.AccessTokenValidity, client.TokenValidityUnits?.AccessToken, 86400);
  const id = lifetime(client.IdTokenValidity, client.TokenValidityUnits?.IdToken, 86400);
  const result = {
    AccessToken: sign({
      auth_time: now, client_id: clientId, event_id: eventId, iat: now, jti: randomUUID(),
      scope: "aws.cognito.signin.user.admin", sub, token_use: "access", username: user.Username,
      exp: now + access, iss: ISSUER,
    }),
    IdToken: sign({
      "cognito:username": user.Username, auth_time: now, email: attribute(user, "email"),
      email_verified: attribute(user, "email_verified") === "true", event_id: eventId, iat: now,
      jti: randomUUID(), sub, token_use: "id", exp: now + id, iss: ISSUER, aud: clientId,
    }),
    ExpiresIn: access,
    TokenType: "Bearer",
  };
  if (!refreshToken) {
    refreshToken = `double.${randomBytes(32).toString("base64url")}`;
    refreshTokens.set(refreshToken, { username: user.Username, clientId });
    result.RefreshToken = refreshToken;
  }
  return { AuthenticationResult: result, ChallengeParameters: {} };
}

function newSession(fields) {
  const id = `double.${randomBytes(48).toString("base64url")}`;
  sessions.set(id, { ...fields, expires: Date.now() + SESSION_SECONDS * 1000, tries: 0 });
  return id;
}

function takeSession(id) {
  const session = sessions.get(id);
  if (!session || session.expires < Date.now()) {
    sessions.delete(id);
    throw new CognitoError("NotAuthorizedException", "Invalid session for the user, session is expired.");
  }
  return session;
}

const mask = (email) => email.replace(/^(.)[^@]*@(.)[^.]*(\..*)$/, "$1***@$2***$3");

/** What each kind of first factor starts with: the challenge Cognito answers. */
async function challenge(kind, user, clientId, answerExtra = {}) {
  const username = user?.Username ?? randomUUID();
  const sub = user && attribute(user, "sub");
  if (kind === "WEB_AUTHN") {
    const mine = (sub && passkeys.get(sub)) ?? [];
    const options = await generateAuthenticationOptions({
      rpID: RP_ID,
      allowCredentials: mine.map((p) => ({ id: p.id, transports: p.transports })),
      userVerification: USER_VERIFICATION,
      timeout: 180000,
    });
    return {
      ChallengeName: "WEB_AUTHN",
      Session: newSession({ kind, username, sub, clientId, challenge: options.challenge }),
      ChallengeParameters: { USERNAME: username, CREDENTIAL_REQUEST_OPTIONS: JSON.stringify(options) },
      ...answerExtra,
    };
  }
  if (kind === "EMAIL_OTP") {
    const email = user ? attribute(user, "email") : undefined;
    const code = String(randomInt(0, 100000000)).padStart(8, "0");
    // An address without an account gets a session that no code opens (Cognito's answer with
    // "prevent user existence errors" on); nothing is "sent".
    if (email) codes.set(email, code);
    return {
      ChallengeName: "EMAIL_OTP",
      Session: newSession({ kind, username, sub, clientId, code: email ? code : undefined }),
      ChallengeParameters: {
        USERNAME: username,
        CODE_DELIVERY_DELIVERY_MEDIUM: "EMAIL",
        CODE_DELIVERY_DESTINATION: mask(email ?? "someone@example.com"),
      },
    };
  }
  throw new CognitoError("InvalidParameterException", `Unsupported challenge ${kind}`);
}

/** The first factors an account has: a passkey only once one is added. */
function available(user) {
  const sub = user && attribute(user, "sub");
  return ["PASSWORD", "EMAIL_OTP", ...((sub && passkeys.get(sub)?.length) ? ["WEB_AUTHN"] : [])];
}

async function initiateAuth(body, raw) {
  const params = body.AuthParameters ?? {};
  if (body.AuthFlow === "REFRESH_TOKEN_AUTH" || body.AuthFlow === "REFRESH_TOKEN") {
    const mine = refreshTokens.get(params.REFRESH_TOKEN);
    if (mine) return mint(mine.username, body.ClientId, params.REFRESH_TOKEN);
    if (params.REFRESH_TOKEN?.startsWith("double.")) throw new CognitoError("NotAuthorizedException", "Refresh Token has been revoked");
    return undefined;
  }
  if (body.AuthFlow !== "USER_AUTH") return undefined;
  const user = await userByName(params.USERNAME ?? "");
  if (user && user.UserStatus === "UNCONFIRMED") throw new CognitoError("UserNotConfirmedException", "User is not confirmed.");
  const offered = available(user);
  const preferred = params.PREFERRED_CHALLENGE;
  if (preferred === "PASSWORD" && params.PASSWORD) {
    return upstream("InitiateAuth", { ...raw, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: params.USERNAME, PASSWORD: params.PASSWORD } });
  }
  if (preferred && offered.includes(preferred) && preferred !== "PASSWORD") return challenge(preferred, user, body.ClientId);
  return {
    ChallengeName: "SELECT_CHALLENGE",
    Session: newSession({ kind: "SELECT_CHALLENGE", username: user?.Username ?? randomUUID(), user, clientId: body.ClientId }),
    ChallengeParameters: { USERNAME: user?.Username ?? params.USERNAME },
    AvailableChallenges: offered,
  };
}

/** simplewebauthn's reasons, as Cognito's exceptions. */
function refusal(e) {
  const message = String(e?.message ?? e);
  if (/origin/i.test(message)) return new CognitoError("WebAuthnOriginNotAllowedException", "The origin is not allowed for this relying party.");
  if (/RP ID/i.test(message)) return new CognitoError("WebAuthnRelyingPartyMismatchException", "The relying party ID does not match.");
  return new CognitoError("NotAuthorizedException", `Passkey verification failed: ${message}`);
}

async function respondToAuthChallenge(body) {
  if (!String(body.Session ?? "").startsWith("double.")) return undefined;
  const session = takeSession(body.Session);
  const answers = body.ChallengeResponses ?? {};
  if (body.ChallengeName !== session.kind) throw new CognitoError("InvalidParameterException", "The challenge name does not match the session.");
  if (session.kind === "SELECT_CHALLENGE") {
    sessions.delete(body.Session);
    const offered = available(session.user);
    if (!offered.includes(answers.ANSWER)) throw new CognitoError("InvalidParameterException", `${answers.ANSWER} is not available`);
    if (answers.ANSWER === "PASSWORD") {
      return upstream("InitiateAuth", { ClientId: body.ClientId, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: answers.USERNAME, PASSWORD: answers.PASSWORD } });
    }
    return challenge(answers.ANSWER, session.user, session.clientId);
  }
  if (session.kind === "WEB_AUTHN") {
    sessions.delete(body.Session);
    let response;
    try {
      response = JSON.parse(answers.CREDENTIAL ?? "");
    } catch {
      throw new CognitoError("InvalidParameterException", "CREDENTIAL is not JSON");
    }
    const passkey = (passkeys.get(session.sub) ?? []).find((p) => p.id === response.id);
    if (!passkey) throw new CognitoError("NotAuthorizedException", "Incorrect username or passkey.");
    let verified;
    try {
      verified = await verifyAuthenticationResponse({
        response,
        expectedChallenge: session.challenge,
        expectedOrigin: ORIGINS,
        expectedRPID: RP_ID,
        credential: { id: passkey.id, publicKey: passkey.publicKey, counter: passkey.counter, transports: passkey.transports },
        requireUserVerification: USER_VERIFICATION === "required",
      });
    } catch (e) {
      throw refusal(e);
    }
    if (!verified.verified) throw new CognitoError("NotAuthorizedException", "Passkey verification failed.");
    passkey.counter = verified.authenticationInfo.newCounter;
    return mint(session.username, body.ClientId);
  }
  if (session.kind === "EMAIL_OTP") {
    if (session.code !== undefined && answers.EMAIL_OTP_CODE === session.code) {
      sessions.delete(body.Session);
      return mint(session.username, body.ClientId);
    }
    session.tries += 1;
    if (session.tries >= EMAIL_CODE_TRIES) {
      sessions.delete(body.Session);
      throw new CognitoError("NotAuthorizedException", "Invalid session for the user.");
    }
    throw new CognitoError("CodeMismatchException", "Invalid code received for user");
  }
  throw new CognitoError("InvalidParameterException", "Unknown challenge");
}

async function startRegistration(body) {
  const user = await userOfToken(body.AccessToken);
  const mine = passkeys.get(user.sub) ?? [];
  const options = await generateRegistrationOptions({
    rpName: RP_NAME,
    rpID: RP_ID,
    userName: user.email ?? user.username,
    userID: new TextEncoder().encode(user.sub),
    attestationType: "none",
    excludeCredentials: mine.map((p) => ({ id: p.id, transports: p.transports })),
    authenticatorSelection: { residentKey: "required", userVerification: USER_VERIFICATION },
    timeout: 300000,
  });
  registrations.set(user.sub, { challenge: options.challenge, expires: Date.now() + 300000 });
  return { CredentialCreationOptions: options };
}

async function completeRegistration(body) {
  const user = await userOfToken(body.AccessToken);
  const pending = registrations.get(user.sub);
  registrations.delete(user.sub);
  if (!pending || pending.expires < Date.now()) throw new CognitoError("WebAuthnChallengeNotFoundException", "No registration is in progress.");
  let verified;
  try {
    verified = await verifyRegistrationResponse({
      response: body.Credential,
      expectedChallenge: pending.challenge,
      expectedOrigin: ORIGINS,
      expectedRPID: RP_ID,
      requireUserVerification: USER_VERIFICATION === "required",
    });
  } catch (e) {
    const refused = refusal(e);
    if (refused.type === "NotAuthorizedException") throw new CognitoError("WebAuthnCredentialNotSupportedException", refused.message);
    throw refused;
  }
  if (!verified.verified) throw new CognitoError("WebAuthnCredentialNotSupportedException", "The credential could not be verified.");
  const { credential } = verified.registrationInfo;
  const mine = passkeys.get(user.sub) ?? [];
  mine.push({
    id: credential.id,
    publicKey: credential.publicKey,
    counter: credential.counter,
    transports: credential.transports ?? body.Credential.response?.transports ?? [],
    name: `Passkey ${mine.length + 1}`,
    attachment: body.Credential.authenticatorAttachment,
    created: Date.now() / 1000,
  });
  passkeys.set(user.sub, mine);
  return {};
}

async function listCredentials(body) {
  const user = await userOfToken(body.AccessToken);
  return {
    Credentials: (passkeys.get(user.sub) ?? []).map((p) => ({
      CredentialId: p.id,
      FriendlyCredentialName: p.name,
      RelyingPartyId: RP_ID,
      AuthenticatorAttachment: p.attachment,
      AuthenticatorTransports: p.transports,
      CreatedAt: p.created,
    })),
  };
}

async function deleteCredential(body) {
  const user = await userOfToken(body.AccessToken);
  const mine = passkeys.get(user.sub) ?? [];
  const left = mine.filter((p) => p.id !== body.CredentialId);
  if (left.length === mine.length) throw new CognitoError("ResourceNotFoundException", "Credential not found.");
  passkeys.set(user.sub, left);
  return {};
}

async function refreshTokensCall(body) {
  const mine = refreshTokens.get(body.RefreshToken);
  if (mine) return { AuthenticationResult: (await mint(mine.username, body.ClientId, body.RefreshToken)).AuthenticationResult };
  if (String(body.RefreshToken).startsWith("double.")) throw new CognitoError("NotAuthorizedException", "Refresh Token has been revoked");
  return undefined;
}

async function revokeToken(body) {
  if (!refreshTokens.has(body.Token)) return undefined;
  refreshTokens.delete(body.Token);
  return {};
}

async function mfaConfig(body) {
  const config = await upstream("GetUserPoolMfaConfig", body);
  return { ...config, WebAuthnConfiguration: { RelyingPartyId: RP_ID, UserVerification: USER_VERIFICATION } };
}

const handlers = {
  InitiateAuth: initiateAuth,
  RespondToAuthChallenge: respondToAuthChallenge,
  StartWebAuthnRegistration: startRegistration,
  CompleteWebAuthnRegistration: completeRegistration,
  ListWebAuthnCredentials: listCredentials,
  DeleteWebAuthnCredential: deleteCredential,
  GetTokensFromRefreshToken: refreshTokensCall,
  RevokeToken: revokeToken,
  GetUserPoolMfaConfig: mfaConfig,
};

function send(res, status, body, type) {
  const headers = { "Content-Type": "application/x-amz-json-1.1", "x-amzn-requestid": randomUUID() };
  if (type) headers["x-amzn-errortype"] = type;
  res.writeHead(status, headers).end(JSON.stringify(body));
}

async function forward(req, res, raw) {
  const headers = Object.fromEntries(
    Object.entries(req.headers).filter(([name]) => !["host", "content-length", "connection"].includes(name)),
  );
  const response = await fetch(UPSTREAM + req.url, { method: req.method, headers, body: req.method === "GET" ? undefined : raw });
  const out = Buffer.from(await response.arrayBuffer());
  const keep = {};
  for (const name of ["content-type", "x-amzn-errortype", "x-amzn-requestid"]) {
    const value = response.headers.get(name);
    if (value) keep[name] = value;
  }
  res.writeHead(response.status, keep).end(out);
}

createServer(async (req, res) => {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const raw = Buffer.concat(chunks);
  try {
    if (req.method === "GET" && req.url === "/_double/codes") {
      return send(res, 200, Object.fromEntries(codes));
    }
    const op = String(req.headers["x-amz-target"] ?? "").split(".")[1];
    const handler = handlers[op];
    if (handler && req.method === "POST") {
      const body = JSON.parse(raw.toString("utf8") || "{}");
      const answer = await handler(body, body);
      if (answer !== undefined) return send(res, 200, answer);
    }
    await forward(req, res, raw);
  } catch (e) {
    if (e instanceof CognitoError) return send(res, e.status, { __type: e.type, message: e.message }, e.type);
    console.error(e);
    send(res, 500, { __type: "InternalErrorException", message: "the test double failed" }, "InternalErrorException");
  }
}).listen(PORT, "127.0.0.1", () => console.log(`cognito-webauthn double on http://127.0.0.1:${PORT}, in front of ${UPSTREAM}`));
