// A test double of Cognito's SRP sign-in and device tracking, for the browser tests (scripts/test's
// `devices` run) and for `COGNITO_CLIENT_FLOWS=srp scripts/dev`. No Cognito emulator checks SRP
// proofs (cognito-local has no USER_SRP_AUTH; moto accepts any signature) or tracks devices, so
// this small server stands in front of cognito-local and answers those calls the way Cognito's
// API does — same operations, same JSON shapes, same exception names — while forwarding every
// other call to cognito-local untouched.
//
// What it stands in for, and how:
// - The app client allows only SRP (FLOWS=srp): DescribeUserPoolClient says ALLOW_USER_SRP_AUTH
//   and ALLOW_REFRESH_TOKEN_AUTH, and USER_PASSWORD_AUTH and USER_AUTH are refused as AWS refuses
//   them.
// - USER_SRP_AUTH: PASSWORD_VERIFIER with SALT, SRP_B, SECRET_BLOCK and USER_ID_FOR_SRP; the
//   answer's PASSWORD_CLAIM_SIGNATURE is checked with the server's half of the exchange
//   (srp.mjs, itself checked against amazon-cognito-identity-js by srp.check.mjs), TIMESTAMP's
//   format too. Like Cognito it keeps only a verifier per user — made from the password it sees
//   go through (SignUp, ConfirmForgotPassword, ChangePassword, AdminSetUserPassword,
//   AdminCreateUser, NEW_PASSWORD_REQUIRED) — and, to let cognito-local run the rest of the
//   sign-in (its MFA, its tokens), the password itself, in memory.
// - Devices (DEVICES=opt-in | always): DescribeUserPool gains a DeviceConfiguration; tokens of a
//   sign-in that named no device carry NewDeviceMetadata; ConfirmDevice keeps the verifier and
//   salt; a remembered device named by DEVICE_KEY is asked DEVICE_SRP_AUTH then
//   DEVICE_PASSWORD_VERIFIER instead of the second step, its proof checked like a password's; an
//   unknown DEVICE_KEY is "Device does not exist."; UpdateDeviceStatus, ListDevices,
//   ForgetDevice, AdminListDevices, AdminForgetDevice. A refresh token issued to a device works
//   only with that device's DEVICE_KEY once it is confirmed, and not once it is forgotten. Every
//   answer of a sign-in that named a device must name it again.
// - SECRET_HASH, for a client with a secret: over the name as typed at InitiateAuth, over the
//   internal username in every answer (cognito-local checks none).
// - cognito-local keeps no refresh token of a sign-in that went through a challenge; the double
//   issues its own there, as Cognito's would work.
// - Tokens after a device's proof are minted with cognito-local's key (cognito-local.mjs).
//
// Users made before the double saw their password (straight at cognito-local) cannot sign in
// through it. Settings (environment): those of cognito-local.mjs, and FLOWS, DEVICES.

import { createHmac, randomBytes, randomUUID } from "node:crypto";
import {
  CognitoError,
  POOL_ID,
  attribute,
  env,
  mint,
  refreshTokens,
  revoked,
  serve,
  upstream,
  userByName,
  userOfToken,
} from "./cognito-local.mjs";
import { TIMESTAMP, exchange, hex, newSalt, proves, verifier } from "./srp.mjs";

const FLOWS = env("FLOWS", "srp");
const DEVICES = env("DEVICES", "opt-in");
const POOL_NAME = POOL_ID.split("_")[1];
const SESSION_MS = 180_000;

/** Per internal username: { salt, v, password }. */
const users = new Map();
/** SRP exchanges waiting for their claim, by SECRET_BLOCK (base64). */
const exchanges = new Map();
/** The double's own challenge sessions (DEVICE_SRP_AUTH, DEVICE_PASSWORD_VERIFIER). */
const sessions = new Map();
/** cognito-local's sessions of sign-ins that went through here: what their tokens get. */
const passing = new Map();
/** Per device key: { username, groupKey, confirmed, v, salt, name, remembered, created, used }. */
const devices = new Map();
/** Refresh tokens (cognito-local's) issued to a device: token → device key. */
const boundRefresh = new Map();

const now = () => Date.now() / 1000;

/** Each app client's secret, as Cognito keeps it (read once per client). */
const secrets = new Map();
function clientSecret(clientId) {
  if (!secrets.has(clientId)) {
    secrets.set(
      clientId,
      upstream("DescribeUserPoolClient", { UserPoolId: POOL_ID, ClientId: clientId }).then(
        (answer) => answer.UserPoolClient?.ClientSecret,
      ),
    );
  }
  return secrets.get(clientId);
}

/** SECRET_HASH as Cognito checks it: over `name` (what the step names the user by). */
async function checkHash(clientId, name, given) {
  const secret = await clientSecret(clientId);
  if (!secret) return;
  const expected = createHmac("sha256", secret).update(`${name}${clientId}`, "utf8").digest("base64");
  if (given !== expected) throw new CognitoError("NotAuthorizedException", `Unable to verify secret hash for client ${clientId}`);
}

/** Every answer of a sign-in that named a device names it again (as Amazon's own client does). */
function sameDevice(named, answers) {
  if (named && answers.DEVICE_KEY !== named) {
    throw new CognitoError("InvalidParameterException", "DEVICE_KEY does not match the device of this sign-in");
  }
}
const refused = () => new CognitoError("NotAuthorizedException", "Incorrect username or password.");
const noDevice = () => new CognitoError("ResourceNotFoundException", "Device does not exist.");

async function keepPassword(name, password) {
  const user = await userByName(name);
  if (!user || !password) return;
  const salt = newSalt();
  users.set(user.Username, { salt, v: verifier(POOL_NAME, user.Username, password, salt), password });
}

/** A call that sets a password: forwarded, then the verifier kept (Cognito computes it so). */
const setting = (op, name, password) => async (body) => {
  const answer = await upstream(op, body);
  await keepPassword(await name(body), password(body));
  return answer;
};

function newSession(fields) {
  const id = `double.${randomBytes(48).toString("base64url")}`;
  sessions.set(id, { ...fields, expires: Date.now() + SESSION_MS });
  return id;
}

function takeSession(id, kind) {
  const session = sessions.get(id);
  sessions.delete(id);
  if (!session || session.expires < Date.now() || session.kind !== kind) {
    throw new CognitoError("NotAuthorizedException", "Invalid session for the user, session is expired.");
  }
  return session;
}

/** The device a sign-in named, when it is one of this user's: else Cognito's "does not exist". */
function namedDevice(key, username) {
  if (!key) return undefined;
  const device = devices.get(key);
  if (!device || !device.confirmed || device.username !== username) throw noDevice();
  return device;
}

/**
 * Tokens as they leave the double: a sign-in that named no device gets a new one to confirm; a
 * refresh token is bound to its device.
 */
function deliver(answer, username, deviceKey) {
  const result = answer.AuthenticationResult;
  if (!result) return answer;
  if (DEVICES !== "off" && !deviceKey) {
    deviceKey = `${POOL_ID.split("_")[0]}_${randomUUID()}`;
    const groupKey = `-${randomBytes(6).toString("base64url")}`;
    devices.set(deviceKey, { username, groupKey, confirmed: false, created: now() });
    result.NewDeviceMetadata = { DeviceKey: deviceKey, DeviceGroupKey: groupKey };
  }
  if (deviceKey && result.RefreshToken) {
    if (refreshTokens.has(result.RefreshToken)) refreshTokens.get(result.RefreshToken).deviceKey = deviceKey;
    else boundRefresh.set(result.RefreshToken, deviceKey);
  }
  return answer;
}

/** After the password's proof: the device's own step, or cognito-local's sign-in (its MFA). */
async function afterPassword(username, body, device) {
  if (device?.remembered) {
    return {
      ChallengeName: "DEVICE_SRP_AUTH",
      Session: newSession({ kind: "DEVICE_SRP_AUTH", username, deviceKey: device.key, clientId: body.ClientId }),
      ChallengeParameters: { USERNAME: username },
    };
  }
  const user = users.get(username);
  const answer = await upstream("InitiateAuth", {
    ClientId: body.ClientId,
    AuthFlow: "USER_PASSWORD_AUTH",
    AuthParameters: { USERNAME: username, PASSWORD: user.password },
    UserContextData: body.UserContextData,
  });
  if (answer.Session) passing.set(answer.Session, { username, deviceKey: device?.key, expires: Date.now() + SESSION_MS });
  return deliver(answer, username, device?.key);
}

async function initiateAuth(body) {
  const params = body.AuthParameters ?? {};
  if (body.AuthFlow === "REFRESH_TOKEN_AUTH" || body.AuthFlow === "REFRESH_TOKEN") {
    return refresh(params.REFRESH_TOKEN, params.DEVICE_KEY, body, (mine) => mint(mine.username, body.ClientId, params.REFRESH_TOKEN));
  }
  if (FLOWS === "srp" && body.AuthFlow === "USER_PASSWORD_AUTH") {
    throw new CognitoError("InvalidParameterException", "USER_PASSWORD_AUTH flow not enabled for this client");
  }
  if (FLOWS === "srp" && body.AuthFlow === "USER_AUTH") {
    throw new CognitoError("UnsupportedOperationException", "USER_AUTH is not enabled for this client");
  }
  if (body.AuthFlow !== "USER_SRP_AUTH") return undefined;
  // The first step names the user as typed: so does its hash.
  await checkHash(body.ClientId, params.USERNAME ?? "", params.SECRET_HASH);
  const user = await userByName(params.USERNAME ?? "");
  if (user?.UserStatus === "UNCONFIRMED") throw new CognitoError("UserNotConfirmedException", "User is not confirmed.");
  // An unknown user, or one whose password never went through here, gets an exchange like any
  // other (Cognito's answer with "prevent user existence errors" on): no claim proves it.
  const username = user?.Username ?? randomUUID();
  const kept = users.get(username) ?? { salt: newSalt(), v: verifier(POOL_NAME, username, randomBytes(32).toString("hex"), newSalt()) };
  const device = user && namedDevice(params.DEVICE_KEY, username);
  const srp = exchange(params.SRP_A ?? "", kept.v);
  if (!srp) throw new CognitoError("InvalidParameterException", "SRP_A mod N cannot be 0");
  const block = srp.block.toString("base64");
  exchanges.set(block, { ...srp, username, device, known: users.has(username), expires: Date.now() + SESSION_MS });
  return {
    ChallengeName: "PASSWORD_VERIFIER",
    ChallengeParameters: {
      SALT: kept.salt.toString("hex"),
      SRP_B: hex(srp.B),
      SECRET_BLOCK: block,
      USER_ID_FOR_SRP: username,
      USERNAME: username,
    },
  };
}

async function respondToAuthChallenge(body) {
  const answers = body.ChallengeResponses ?? {};
  if (body.ChallengeName === "PASSWORD_VERIFIER") {
    const srp = exchanges.get(answers.PASSWORD_CLAIM_SECRET_BLOCK);
    exchanges.delete(answers.PASSWORD_CLAIM_SECRET_BLOCK);
    if (!srp || srp.expires < Date.now() || answers.USERNAME !== srp.username) throw refused();
    await checkHash(body.ClientId, srp.username, answers.SECRET_HASH);
    sameDevice(srp.device?.key, answers);
    if (!TIMESTAMP.test(answers.TIMESTAMP ?? "")) {
      throw new CognitoError("InvalidParameterException", "TIMESTAMP format is not valid");
    }
    if (!srp.known || !proves(srp, POOL_NAME, srp.username, answers.TIMESTAMP, answers.PASSWORD_CLAIM_SIGNATURE)) {
      throw refused();
    }
    return afterPassword(srp.username, body, srp.device);
  }
  if (body.ChallengeName === "DEVICE_SRP_AUTH") {
    const session = takeSession(body.Session, "DEVICE_SRP_AUTH");
    await checkHash(body.ClientId, session.username, answers.SECRET_HASH);
    const device = devices.get(answers.DEVICE_KEY);
    if (answers.USERNAME !== session.username || answers.DEVICE_KEY !== session.deviceKey || !device) throw noDevice();
    const srp = exchange(answers.SRP_A ?? "", device.v);
    if (!srp) throw new CognitoError("InvalidParameterException", "SRP_A mod N cannot be 0");
    return {
      ChallengeName: "DEVICE_PASSWORD_VERIFIER",
      Session: newSession({ ...session, kind: "DEVICE_PASSWORD_VERIFIER", srp }),
      ChallengeParameters: {
        SALT: device.salt.toString("hex"),
        SRP_B: hex(srp.B),
        SECRET_BLOCK: srp.block.toString("base64"),
        DEVICE_KEY: device.key,
        USERNAME: session.username,
      },
    };
  }
  if (body.ChallengeName === "DEVICE_PASSWORD_VERIFIER") {
    const session = takeSession(body.Session, "DEVICE_PASSWORD_VERIFIER");
    await checkHash(body.ClientId, session.username, answers.SECRET_HASH);
    const device = devices.get(session.deviceKey);
    if (!device || answers.DEVICE_KEY !== device.key || answers.USERNAME !== session.username) throw noDevice();
    if (answers.PASSWORD_CLAIM_SECRET_BLOCK !== session.srp.block.toString("base64") || !TIMESTAMP.test(answers.TIMESTAMP ?? "")) {
      throw refused();
    }
    if (!proves(session.srp, device.groupKey, device.key, answers.TIMESTAMP, answers.PASSWORD_CLAIM_SIGNATURE)) throw refused();
    device.used = now();
    return deliver(await mint(session.username, session.clientId), session.username, device.key);
  }
  // cognito-local's own challenges (MFA, a new password): answered there, their tokens given the
  // device side here.
  const through = passing.get(body.Session);
  if (!through) return undefined;
  await checkHash(body.ClientId, through.username, answers.SECRET_HASH);
  sameDevice(through.deviceKey, answers);
  const answer = await upstream("RespondToAuthChallenge", body);
  passing.delete(body.Session);
  if (answer.Session) passing.set(answer.Session, through);
  if (body.ChallengeName === "NEW_PASSWORD_REQUIRED") await keepPassword(through.username, answers.NEW_PASSWORD);
  // cognito-local keeps no refresh token of a sign-in that went through a challenge (Cognito
  // does): one of the double's own stands in, refreshed here.
  const result = answer.AuthenticationResult;
  if (result?.RefreshToken) {
    result.RefreshToken = `double.${randomBytes(32).toString("base64url")}`;
    refreshTokens.set(result.RefreshToken, { username: through.username, clientId: body.ClientId });
  }
  return deliver(answer, through.username, through.deviceKey);
}

/** A refresh: a token issued to a device needs that device's key, and the device must still exist. */
async function refresh(token, deviceKey, body, ours) {
  const mine = refreshTokens.get(token);
  const bound = mine?.deviceKey ?? boundRefresh.get(token);
  // Only a confirmed device's key does (Cognito: "Invalid Refresh Token" until ConfirmDevice).
  if (bound && (deviceKey !== bound || !devices.get(bound)?.confirmed)) {
    throw new CognitoError("NotAuthorizedException", "Invalid Refresh Token");
  }
  if (mine) {
    // The secret, as each refresh call carries it: a hash over the user, or the secret itself.
    if (body.AuthFlow) await checkHash(body.ClientId, mine.username, body.AuthParameters?.SECRET_HASH);
    else if ((await clientSecret(body.ClientId)) && body.ClientSecret !== (await clientSecret(body.ClientId))) {
      throw new CognitoError("NotAuthorizedException", `Unable to verify secret hash for client ${body.ClientId}`);
    }
    return ours(mine);
  }
  if (String(token).startsWith("double.")) throw revoked();
  if (body.AuthFlow) {
    const { DEVICE_KEY: _, ...params } = body.AuthParameters;
    return upstream("InitiateAuth", { ...body, AuthParameters: params });
  }
  return undefined;
}

async function getTokens(body) {
  return refresh(body.RefreshToken, body.DeviceKey, body, async (mine) => ({
    AuthenticationResult: (await mint(mine.username, body.ClientId, body.RefreshToken)).AuthenticationResult,
  }));
}

async function revokeToken(body) {
  if (!refreshTokens.has(body.Token)) return undefined;
  refreshTokens.delete(body.Token);
  return {};
}

async function mine(accessToken, key) {
  const user = await userOfToken(accessToken);
  const device = devices.get(key);
  if (!device || device.username !== user.username) throw noDevice();
  return device;
}

async function confirmDevice(body) {
  const user = await userOfToken(body.AccessToken);
  const device = devices.get(body.DeviceKey);
  if (!device || device.username !== user.username || device.confirmed) throw noDevice();
  const config = body.DeviceSecretVerifierConfig ?? {};
  if (!config.PasswordVerifier || !config.Salt) throw new CognitoError("InvalidParameterException", "DeviceSecretVerifierConfig is required");
  Object.assign(device, {
    key: body.DeviceKey,
    confirmed: true,
    v: BigInt(`0x${Buffer.from(config.PasswordVerifier, "base64").toString("hex")}`),
    salt: Buffer.from(config.Salt, "base64"),
    name: body.DeviceName,
    remembered: DEVICES === "always",
    used: now(),
  });
  return { UserConfirmationNecessary: DEVICES === "opt-in" };
}

async function updateDeviceStatus(body) {
  const device = await mine(body.AccessToken, body.DeviceKey);
  device.remembered = body.DeviceRememberedStatus === "remembered";
  return {};
}

function listed(username) {
  return [...devices.entries()]
    .filter(([, d]) => d.username === username && d.confirmed)
    .map(([key, d]) => ({
      DeviceKey: key,
      DeviceAttributes: [
        ...(d.name ? [{ Name: "device_name", Value: d.name }] : []),
        { Name: "device_status", Value: "valid" },
        { Name: "device_remembered_status", Value: d.remembered ? "remembered" : "not_remembered" },
      ],
      DeviceCreateDate: d.created,
      DeviceLastModifiedDate: d.used,
      DeviceLastAuthenticatedDate: d.used,
    }));
}

async function listDevices(body) {
  return { Devices: listed((await userOfToken(body.AccessToken)).username) };
}

async function forgetDevice(body) {
  await mine(body.AccessToken, body.DeviceKey);
  devices.delete(body.DeviceKey);
  return {};
}

async function adminUser(body) {
  const user = await userByName(body.Username ?? "");
  if (!user) throw new CognitoError("UserNotFoundException", "User does not exist.");
  return user.Username;
}

async function adminListDevices(body) {
  return { Devices: listed(await adminUser(body)) };
}

async function adminForgetDevice(body) {
  const username = await adminUser(body);
  if (devices.get(body.DeviceKey)?.username !== username) throw noDevice();
  devices.delete(body.DeviceKey);
  return {};
}

async function describeClient(body) {
  const answer = await upstream("DescribeUserPoolClient", body);
  if (FLOWS === "srp") answer.UserPoolClient.ExplicitAuthFlows = ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"];
  return answer;
}

async function describePool(body) {
  const answer = await upstream("DescribeUserPool", body);
  if (DEVICES !== "off") {
    answer.UserPool.DeviceConfiguration = {
      ChallengeRequiredOnNewDevice: true,
      DeviceOnlyRememberedOnUserPrompt: DEVICES === "opt-in",
    };
  }
  return answer;
}

serve("cognito-srp", {
  InitiateAuth: initiateAuth,
  RespondToAuthChallenge: respondToAuthChallenge,
  GetTokensFromRefreshToken: getTokens,
  RevokeToken: revokeToken,
  ConfirmDevice: confirmDevice,
  UpdateDeviceStatus: updateDeviceStatus,
  ListDevices: listDevices,
  ForgetDevice: forgetDevice,
  AdminListDevices: adminListDevices,
  AdminForgetDevice: adminForgetDevice,
  DescribeUserPoolClient: describeClient,
  DescribeUserPool: describePool,
  SignUp: setting("SignUp", (b) => b.Username, (b) => b.Password),
  ConfirmForgotPassword: setting("ConfirmForgotPassword", (b) => b.Username, (b) => b.Password),
  AdminSetUserPassword: setting("AdminSetUserPassword", (b) => b.Username, (b) => b.Password),
  AdminCreateUser: setting("AdminCreateUser", (b) => b.Username, (b) => b.TemporaryPassword),
  ChangePassword: setting(
    "ChangePassword",
    async (b) => (await userOfToken(b.AccessToken)).username,
    (b) => b.ProposedPassword,
  ),
}, {
  // For the tests: the devices as the double keeps them, with their owner's address (no secrets).
  "/_double/devices": async () => {
    const all = [];
    for (const [key, d] of devices) {
      const user = await userByName(d.username);
      all.push({ key, email: user && attribute(user, "email"), confirmed: d.confirmed, remembered: !!d.remembered });
    }
    return all;
  },
});
