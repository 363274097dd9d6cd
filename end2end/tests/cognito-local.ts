import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

// Reads what cognito-local stored for a user: the emulator "sends" no e-mail, it keeps the code
// in its data folder (scripts/lib.sh passes the folder as COGNITO_LOCAL_DB).
type Attribute = { Name: string; Value: string };
type User = { Username: string; UserStatus: string; ConfirmationCode?: string; Attributes: Attribute[] };

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

type AdminUser = { UserStatus: string; UserAttributes?: Attribute[] };

/**
 * The user as the emulator holds it in memory, through its AdminGetUser API. Status checks go
 * here, not to the data file: a file read can land on a half-written save and miss the user
 * (a CI run failed exactly so). cognito-local does not check request signatures.
 */
async function adminGetUser(email: string): Promise<AdminUser> {
  const endpoint = process.env.AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER;
  const pool = process.env.COGNITO_USER_POOL_ID;
  if (!endpoint || !pool) throw new Error("the emulator's endpoint and pool id are not set (scripts/test sets them)");
  const response = await fetch(endpoint, {
    method: "POST",
    headers: {
      "content-type": "application/x-amz-json-1.1",
      "x-amz-target": "AWSCognitoIdentityProviderService.AdminGetUser",
    },
    body: JSON.stringify({ UserPoolId: pool, Username: email }),
  });
  const body = await response.json();
  if (!response.ok) throw new Error(`AdminGetUser ${email}: ${response.status} ${JSON.stringify(body)}`);
  return body;
}

export async function userStatus(email: string): Promise<string> {
  return (await adminGetUser(email)).UserStatus;
}

export async function emailVerified(email: string): Promise<boolean> {
  const user = await adminGetUser(email);
  return user.UserAttributes?.some((a) => a.Name === "email_verified" && a.Value === "true") ?? false;
}
