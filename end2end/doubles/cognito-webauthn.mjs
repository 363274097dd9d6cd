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

import { randomBytes, randomInt, randomUUID } from "node:crypto";
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from "@simplewebauthn/server";
import { CognitoError, attribute, env, mint, refreshTokens, revoked, serve, upstream, userByName, userOfToken } from "./cognito-local.mjs";

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
/** The last sign-in code "e-mailed" to each address. */
const codes = new Map();

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

async function initiateAuth(body) {
  const params = body.AuthParameters ?? {};
  if (body.AuthFlow === "REFRESH_TOKEN_AUTH" || body.AuthFlow === "REFRESH_TOKEN") {
    const mine = refreshTokens.get(params.REFRESH_TOKEN);
    if (mine) return mint(mine.username, body.ClientId, params.REFRESH_TOKEN);
    if (params.REFRESH_TOKEN?.startsWith("double.")) throw revoked();
    return undefined;
  }
  if (body.AuthFlow !== "USER_AUTH") return undefined;
  const user = await userByName(params.USERNAME ?? "");
  if (user && user.UserStatus === "UNCONFIRMED") throw new CognitoError("UserNotConfirmedException", "User is not confirmed.");
  const offered = available(user);
  const preferred = params.PREFERRED_CHALLENGE;
  if (preferred === "PASSWORD" && params.PASSWORD) {
    return upstream("InitiateAuth", { ...body, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: params.USERNAME, PASSWORD: params.PASSWORD } });
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
  if (String(body.RefreshToken).startsWith("double.")) throw revoked();
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

serve("cognito-webauthn", handlers, { "/_double/codes": () => Object.fromEntries(codes) });
