import { execFileSync } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
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
  const dir = process.env.COGNITO_LOCAL_DB;
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

/** The confirmation code cognito-local generated for `email` (waits briefly for the write). */
export async function confirmationCode(email: string): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const code = (await findUser(email))?.ConfirmationCode;
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

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (scripts/test sets it)`);
  return value;
}

/**
 * One call to the emulator's Cognito API, as the AWS CLI would make it. cognito-local does not
 * check request signatures, so none is made.
 */
export async function cognito<T = any>(operation: string, body: object): Promise<T> {
  const response = await fetch(env("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER"), {
    method: "POST",
    headers: {
      "content-type": "application/x-amz-json-1.1",
      "x-amz-target": `AWSCognitoIdentityProviderService.${operation}`,
    },
    body: JSON.stringify(body),
  });
  const answer = await response.json();
  if (!response.ok) throw new Error(`${operation}: ${response.status} ${JSON.stringify(answer)}`);
  return answer;
}

/**
 * The user as the emulator holds it in memory, through its AdminGetUser API. Status checks go
 * here, not to the data file: a file read can land on a half-written save and miss the user
 * (a CI run failed exactly so).
 */
async function adminGetUser(email: string): Promise<AdminUser> {
  return cognito("AdminGetUser", { UserPoolId: env("COGNITO_USER_POOL_ID"), Username: email });
}

/** A confirmed account, made as an administrator would (SignUp + AdminConfirmSignUp). */
export async function confirmedUser(email: string, password: string) {
  await cognito("SignUp", {
    ClientId: env("COGNITO_CLIENT_ID"),
    Username: email,
    Password: password,
    UserAttributes: [{ Name: "email", Value: email }],
  });
  await cognito("AdminConfirmSignUp", { UserPoolId: env("COGNITO_USER_POOL_ID"), Username: email });
}

/**
 * Turns on an authenticator app (TOTP) for the account, as a person would on an account page:
 * sign in, AssociateSoftwareToken, VerifySoftwareToken with a code computed from the secret,
 * SetUserMFAPreference. Returns the secret, so the test can compute codes like the app would.
 */
export async function enableTotp(email: string, password: string): Promise<string> {
  const signIn = await cognito("InitiateAuth", {
    ClientId: env("COGNITO_CLIENT_ID"),
    AuthFlow: "USER_PASSWORD_AUTH",
    AuthParameters: { USERNAME: email, PASSWORD: password },
  });
  const accessToken = signIn.AuthenticationResult.AccessToken;
  const { SecretCode } = await cognito("AssociateSoftwareToken", { AccessToken: accessToken });
  await cognito("VerifySoftwareToken", { AccessToken: accessToken, UserCode: totp(SecretCode) });
  await cognito("SetUserMFAPreference", {
    AccessToken: accessToken,
    SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true },
  });
  return SecretCode;
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
  const out = execFileSync(env("COGNITO_SETUP_BIN"), ["invite", email], { encoding: "utf8" });
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
  const log = (await readFile(env("COGNITO_LOCAL_LOG"), "utf8")).replace(/\x1b\[[0-9;]*m/g, "");
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
