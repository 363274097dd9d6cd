// What the test doubles in front of cognito-local share (cognito-webauthn.mjs, cognito-srp.mjs):
// the call to cognito-local, Cognito's error shape, tokens minted as cognito-local mints them
// (with its signing key and claims, so the app's verifier and cognito-local's account calls
// accept them), refresh tokens of the double's own, and the server that answers the calls a
// double stands in for and forwards every other one to cognito-local untouched.
//
// Settings (environment): PORT, UPSTREAM (cognito-local's URL), POOL_ID, ISSUER_DOMAIN (the
// `iss` prefix cognito-local uses), COGNITO_LOCAL_KEY (its private key, JSON with `pem`).

import { createServer } from "node:http";
import { createSign, randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";

export const env = (name, fallback) => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};
export const PORT = Number(env("PORT"));
export const UPSTREAM = env("UPSTREAM");
export const POOL_ID = env("POOL_ID");
const ISSUER = `${env("ISSUER_DOMAIN")}/${POOL_ID}`;
const KEY = JSON.parse(readFileSync(env("COGNITO_LOCAL_KEY"), "utf8")).pem;

/** Refresh tokens a double issued: token → { username, clientId, ...what the double keeps }. */
export const refreshTokens = new Map();

export class CognitoError extends Error {
  constructor(type, message, status = 400) {
    super(message);
    this.type = type;
    this.status = status;
  }
}

/** One call to cognito-local; its error as a CognitoError. */
export async function upstream(op, body) {
  const response = await fetch(UPSTREAM, {
    method: "POST",
    headers: { "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": `AWSCognitoIdentityProviderService.${op}` },
    body: JSON.stringify(body),
  });
  const json = await response.json().catch(() => ({}));
  if (!response.ok) throw new CognitoError(json.__type ?? "InternalErrorException", json.message ?? "", response.status);
  return json;
}

export const attribute = (user, name) => (user.UserAttributes ?? user.Attributes ?? []).find((a) => a.Name === name)?.Value;

/** The user an access token belongs to, as cognito-local's GetUser sees it. */
export async function userOfToken(accessToken) {
  const user = await upstream("GetUser", { AccessToken: accessToken });
  return { username: user.Username, sub: attribute(user, "sub"), email: attribute(user, "email") };
}

/** The user named `username` (or its e-mail alias); undefined when there is none. */
export async function userByName(username) {
  try {
    return await upstream("AdminGetUser", { UserPoolId: POOL_ID, Username: username });
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

/**
 * Tokens as cognito-local makes them (its tokenGenerator's claims), signed with its key. Without
 * `refreshToken`, a new refresh token of the double's own, kept with `keep`.
 */
export async function mint(username, clientId, refreshToken, keep = {}) {
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
    refreshTokens.set(refreshToken, { ...keep, username: user.Username, clientId });
    result.RefreshToken = refreshToken;
  }
  return { AuthenticationResult: result, ChallengeParameters: {} };
}

/** A refresh token the double issued and no longer knows (revoked): Cognito's refusal. */
export function revoked() {
  return new CognitoError("NotAuthorizedException", "Refresh Token has been revoked");
}

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

/**
 * Serves on 127.0.0.1:PORT: `handlers[Operation](body)` answers the calls the double stands in
 * for (undefined: forwarded after all), `gets[path]()` its own GET pages for the tests; every
 * other request goes to cognito-local as it came.
 */
export function serve(name, handlers, gets = {}) {
  createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const raw = Buffer.concat(chunks);
    try {
      if (req.method === "GET" && gets[req.url]) return send(res, 200, await gets[req.url]());
      const op = String(req.headers["x-amz-target"] ?? "").split(".")[1];
      const handler = handlers[op];
      if (handler && req.method === "POST") {
        const body = JSON.parse(raw.toString("utf8") || "{}");
        const answer = await handler(body);
        if (answer !== undefined) return send(res, 200, answer);
      }
      await forward(req, res, raw);
    } catch (e) {
      if (e instanceof CognitoError) return send(res, e.status, { __type: e.type, message: e.message }, e.type);
      console.error(e);
      send(res, 500, { __type: "InternalErrorException", message: "the test double failed" }, "InternalErrorException");
    }
  }).listen(PORT, "127.0.0.1", () => console.log(`${name} double on http://127.0.0.1:${PORT}, in front of ${UPSTREAM}`));
}
