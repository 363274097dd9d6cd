import { execFileSync } from "node:child_process";
import { createHash, createHmac } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "@playwright/test";
import { Secret, TOTP } from "otpauth";

// Reads what cognito-local stored for a user: the emulator "sends" no e-mail, it keeps the code
// in its data folder (scripts/lib.sh passes the folder as COGNITO_LOCAL_DB).
type Attribute = { Name: string; Value: string };
type User = {
  Username: string;
  UserStatus: string;
  ConfirmationCode?: string;
  AttributeVerificationCode?: string;
  Attributes: Attribute[];
};

/**
 * cognito-local saves with overlapping, non-atomic `fs.writeFile` calls: a shorter write over a
 * longer one leaves a complete JSON document followed by the old tail, until the next save.
 * The emulator pretty-prints, so the document ends at the first closing brace in column 0.
 */
function parsePool(text: string): { Users?: Record<string, User> } | undefined {
  try {
    return JSON.parse(text);
  } catch {
    const end = text.indexOf("\n}");
    if (end < 0) return undefined;
    try {
      return JSON.parse(text.slice(0, end + 2));
    } catch {
      return undefined;
    }
  }
}

async function findUser(email: string): Promise<User | undefined> {
  const dir = settings().COGNITO_LOCAL_DB;
  if (!dir) throw new Error("COGNITO_LOCAL_DB is not set (scripts/test sets it)");
  for (const file of await readdir(dir)) {
    if (!file.endsWith(".json") || file === "clients.json") continue;
    const pool = parsePool(await readFile(join(dir, file), "utf8"));
    if (!pool) continue; // caught mid-write by the emulator: the caller polls again
    for (const user of Object.values<User>(pool.Users ?? {})) {
      if (user.Attributes?.some((a) => a.Name === "email" && a.Value === email)) return user;
    }
  }
  return undefined;
}

/**
 * The code in the latest e-mail ministack's SES "sent" to `email`, or undefined. ministack keeps
 * every message it sends, per account, at GET /_ministack/ses/messages.
 */
async function ministackCode(email: string): Promise<string | undefined> {
  const response = await fetch(`${setting("MINISTACK_URL")}/_ministack/ses/messages`);
  if (!response.ok) throw new Error(`ministack SES messages: ${response.status}`);
  type Message = { To: string[]; BodyText?: string; BodyHtml?: string };
  const { messages } = (await response.json()) as { messages: Record<string, Message[]> };
  const mine = Object.values(messages ?? {}).flat().filter((m) => m.To?.includes(email));
  const last = mine[mine.length - 1];
  return last && `${last.BodyText ?? ""} ${last.BodyHtml ?? ""}`.match(/\b(\d{6})\b/)?.[1];
}

/**
 * The confirmation code the emulator generated for `email` (waits briefly for it): from
 * cognito-local's data file, or from the e-mail ministack sent.
 */
export async function confirmationCode(email: string): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const code = onMinistack() ? await ministackCode(email) : (await findUser(email))?.ConfirmationCode;
    if (code) return code;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no confirmation code stored for ${email}`);
}

/** The code cognito-local "e-mailed" to confirm a new address of the user now at `email`. */
export async function attributeVerificationCode(email: string): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const code = (await findUser(email))?.AttributeVerificationCode;
    if (code) return code;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no attribute verification code stored for ${email}`);
}

type AdminUser = { UserStatus: string; UserAttributes?: Attribute[] };

/**
 * The settings of the server under test: its env file when scripts/test runs several servers
 * (the project's metadata, playwright.config.ts), over this process's environment.
 */
function settings(): Record<string, string | undefined> {
  const own = test.info().project.metadata?.env as Record<string, string> | undefined;
  return { ...process.env, ...own };
}

/** One setting of the server under test; throws when it is not set. */
export function setting(name: string): string {
  const value = settings()[name];
  if (!value) throw new Error(`${name} is not set (scripts/test sets it)`);
  return value;
}

/** One setting of the server under test, or `undefined` when it is not set. */
export function optionalSetting(name: string): string | undefined {
  return settings()[name] || undefined;
}

/** Whether the tests run against ministack (scripts/lib.sh's `ministack_env` sets its URL). */
function onMinistack(): boolean {
  return !!settings().MINISTACK_URL;
}

const sha256 = (data: string) => createHash("sha256").update(data, "utf8").digest("hex");
const hmac = (key: string | Buffer, data: string) => createHmac("sha256", key).update(data, "utf8").digest();

/**
 * The AWS Signature Version 4 `Authorization` header for a JSON POST to `url` (service
 * cognito-idp, the region and keys of the env file), as the AWS SDKs compute it. ministack with
 * AUTH=true refuses unsigned admin calls, as AWS does; `amzDate` is `YYYYMMDDTHHMMSSZ`.
 */
export function sigV4(url: URL, headers: Record<string, string>, body: string, amzDate: string): string {
  const region = setting("AWS_REGION");
  const keyId = setting("AWS_ACCESS_KEY_ID");
  const secret = setting("AWS_SECRET_ACCESS_KEY");
  const day = amzDate.slice(0, 8);
  const scope = `${day}/${region}/cognito-idp/aws4_request`;
  const names = Object.keys(headers).map((h) => h.toLowerCase()).sort();
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v.trim()]));
  const signedHeaders = names.join(";");
  const canonical = [
    "POST",
    url.pathname || "/",
    "",
    ...names.map((h) => `${h}:${lower[h]}`),
    "",
    signedHeaders,
    sha256(body),
  ].join("\n");
  const toSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256(canonical)].join("\n");
  let key: Buffer = hmac(`AWS4${secret}`, day);
  for (const part of [region, "cognito-idp", "aws4_request"]) key = hmac(key, part);
  const signature = createHmac("sha256", key).update(toSign, "utf8").digest("hex");
  return `AWS4-HMAC-SHA256 Credential=${keyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
}

/**
 * One call to the emulator's Cognito API, as the AWS CLI would make it: signed with SigV4 on
 * ministack (it checks, as AWS does); cognito-local checks no signature, so none is made there.
 */
export async function cognito<T = any>(operation: string, body: object, opts: { direct?: boolean } = {}): Promise<T> {
  // `direct`: to the emulator itself, past a test double in front of it (COGNITO_UPSTREAM_URL):
  // what a test sets up as an administrator or a command-line tool would, by a flow the double's
  // app client may refuse (USER_PASSWORD_AUTH for an SRP-only client).
  const direct = opts.direct ? settings().COGNITO_UPSTREAM_URL : undefined;
  const url = new URL(direct ?? setting("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER"));
  const payload = JSON.stringify(body);
  const headers: Record<string, string> = {
    "content-type": "application/x-amz-json-1.1",
    "x-amz-target": `AWSCognitoIdentityProviderService.${operation}`,
  };
  if (onMinistack()) {
    headers.host = url.host;
    headers["x-amz-date"] = new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
    headers.authorization = sigV4(url, headers, payload, headers["x-amz-date"]);
    delete headers.host; // fetch sets it itself, to the same value
  }
  const response = await fetch(url, { method: "POST", headers, body: payload });
  const answer = await response.json();
  if (!response.ok) throw new Error(`${operation}: ${response.status} ${JSON.stringify(answer)}`);
  return answer;
}

/**
 * SECRET_HASH for `username` when the app client has a secret (COGNITO_CLIENT_SECRET set, as in
 * the secret-client runs), else nothing: Base64(HMAC-SHA256(secret, username + client id)).
 */
function secretHash(username: string): string | undefined {
  const secret = settings().COGNITO_CLIENT_SECRET;
  if (!secret) return undefined;
  return createHmac("sha256", secret).update(username + setting("COGNITO_CLIENT_ID"), "utf8").digest("base64");
}

/**
 * The user as the emulator holds it in memory, through its AdminGetUser API. Status checks go
 * here, not to the data file: a file read can land on a half-written save and miss the user
 * (a CI run failed exactly so).
 */
async function adminGetUser(email: string): Promise<AdminUser> {
  return cognito("AdminGetUser", { UserPoolId: setting("COGNITO_USER_POOL_ID"), Username: email });
}

/** A confirmed account, made as an administrator would (SignUp + AdminConfirmSignUp). */
export async function confirmedUser(email: string, password: string) {
  await cognito("SignUp", {
    ClientId: setting("COGNITO_CLIENT_ID"),
    Username: email,
    Password: password,
    UserAttributes: [{ Name: "email", Value: email }],
    ...(secretHash(email) && { SecretHash: secretHash(email) }),
  });
  await cognito("AdminConfirmSignUp", { UserPoolId: setting("COGNITO_USER_POOL_ID"), Username: email });
}

/**
 * Turns on an authenticator app (TOTP) for the account, as a person would on an account page:
 * sign in, AssociateSoftwareToken, VerifySoftwareToken with a code computed from the secret,
 * SetUserMFAPreference. Returns the secret, so the test can compute codes like the app would.
 */
export async function enableTotp(email: string, password: string): Promise<string> {
  const accessToken = await signedInDirectly(email, password);
  const { SecretCode } = await cognito("AssociateSoftwareToken", { AccessToken: accessToken });
  await cognito("VerifySoftwareToken", { AccessToken: accessToken, UserCode: totp(SecretCode) });
  await cognito("SetUserMFAPreference", {
    AccessToken: accessToken,
    SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true },
  });
  return SecretCode;
}

/** An access token by USER_PASSWORD_AUTH at the emulator itself (see `cognito`'s `direct`). */
async function signedInDirectly(email: string, password: string): Promise<string> {
  const signIn = await cognito("InitiateAuth", {
    ClientId: setting("COGNITO_CLIENT_ID"),
    AuthFlow: "USER_PASSWORD_AUTH",
    // No challenge follows (the account has no second step yet, or the caller wants none), so
    // SECRET_HASH is over the name as typed; a challenge's answer would need it over the
    // internal username.
    AuthParameters: { USERNAME: email, PASSWORD: password, ...(secretHash(email) && { SECRET_HASH: secretHash(email) }) },
  }, { direct: true });
  return signIn.AuthenticationResult.AccessToken;
}

/**
 * An access token straight from the emulator (InitiateAuth USER_PASSWORD_AUTH), as a
 * command-line tool or a mobile app gets one: no session of the app's holds it.
 */
export async function accessToken(email: string, password: string): Promise<string> {
  return signedInDirectly(email, password);
}

/** The 6-digit code an authenticator app shows for `secret` now (RFC 6238, SHA-1, 30 s). */
export function totp(secret: string, offsetSteps = 0): string {
  const generator = new TOTP({ secret: Secret.fromBase32(secret.replace(/\s+/g, "")), digits: 6, period: 30 });
  return generator.generate({ timestamp: Date.now() + offsetSteps * 30_000 });
}

/** A 6-digit code that is not valid for `secret` in any window the emulator accepts. */
export function wrongTotp(secret: string): string {
  const valid = new Set([-1, 0, 1, 2].map((step) => totp(secret, step)));
  for (let n = 0; ; n++) {
    const code = String(n).padStart(6, "0");
    if (!valid.has(code)) return code;
  }
}

/**
 * Invites a user with the project's own tool (`cognito-setup invite`, AdminCreateUser), which
 * prints the temporary password against the emulator. Returns that password.
 */
export function invite(email: string): string {
  const out = execFileSync(setting("COGNITO_SETUP_BIN"), ["invite", email], { encoding: "utf8", env: settings() });
  return out.trim();
}

export async function userStatus(email: string): Promise<string> {
  return (await adminGetUser(email)).UserStatus;
}

/** A user attribute as the emulator keeps it (`undefined` when it is not set). */
export async function attribute(email: string, name: string): Promise<string | undefined> {
  const user = await adminGetUser(email);
  return user.UserAttributes?.find((a) => a.Name === name)?.Value;
}

export async function emailVerified(email: string): Promise<boolean> {
  const user = await adminGetUser(email);
  return user.UserAttributes?.some((a) => a.Name === "email_verified" && a.Value === "true") ?? false;
}

/**
 * An e-mail as cognito-local "sent" it: what the CustomMessage trigger wrote, code filled in.
 * `text` is the message without its HTML tags and without any white space: the log's box wraps
 * lines anywhere, so spaces cannot be told from wrapping.
 */
export type Delivery = { subject: string; message: string; text: string; code: string };

/**
 * The e-mails cognito-local delivered to `email`, oldest first. The emulator sends none: it
 * logs each one in a box (COGNITO_LOCAL_LOG), with the subject and message the CustomMessage
 * Lambda returned and Cognito's placeholders already replaced.
 */
export async function deliveries(email: string): Promise<Delivery[]> {
  const log = (await readFile(setting("COGNITO_LOCAL_LOG"), "utf8")).replace(/\x1b\[[0-9;]*m/g, "");
  const found: Delivery[] = [];
  for (const line of log.split("\n")) {
    if (!line.includes("Confirmation Code Delivery")) continue;
    // One box per log line; its rows are separated by the box's side bars.
    const rows = line.split("│").map((r) => r.trim()).filter(Boolean);
    const field = (name: string) => rows.findIndex((r) => r.startsWith(`${name}:`));
    const value = (i: number) => rows[i].slice(rows[i].indexOf(":") + 1).trim();
    const destination = field("Destination");
    if (destination < 0 || value(destination) !== email) continue;
    const subject = field("Email Subject");
    const message = field("Email Message");
    const end = field("SMS Message");
    const html = message < 0 ? "" : [value(message), ...rows.slice(message + 1, end < 0 ? undefined : end)].join(" ");
    found.push({
      code: value(field("Code")),
      subject: subject < 0 ? "" : value(subject),
      message: html,
      text: squash(html.replace(/<[^>]+>/g, "")),
    });
  }
  return found;
}

/** `text` without white space, to compare with a `Delivery`'s `text`. */
export function squash(text: string): string {
  return text.replace(/\s+/g, "");
}

/** The latest e-mail to `email` (waits briefly for the emulator's log). */
export async function lastDelivery(email: string): Promise<Delivery> {
  for (let i = 0; i < 100; i++) {
    const all = await deliveries(email);
    if (all.length) return all[all.length - 1];
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`cognito-local delivered no e-mail to ${email}`);
}

/**
 * The sign-in code the WebAuthn double "e-mailed" to `email` (a sign-in without a password),
 * from its GET /_double/codes (end2end/doubles/cognito-webauthn.mjs). `after`: a code other
 * than this one (a new code after an earlier sign-in).
 */
export async function signInCode(email: string, after?: string): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const response = await fetch(`${setting("DOUBLE_URL")}/_double/codes`);
    const codes = (await response.json()) as Record<string, string>;
    if (codes[email] && codes[email] !== after) return codes[email];
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no sign-in code sent to ${email}`);
}
