import { defineConfig } from "@playwright/test";
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";

// The specs each run checks; a run is a server under test in one confirmation mode.
const specsByMode: Record<string, string[]> = {
  code: ["home", "code-flow", "errors", "no-js", "session", "reset", "enumeration", "scale-out", "challenges", "account", "messages", "japanese", "accessibility", "no-token"],
  // The same app in front of an app client with a secret (SECRET_HASH on every call).
  secret: ["code-flow", "challenges", "reset"],
  // The secret client again, on ministack: it checks SECRET_HASH and SigV4 and signs RS256
  // tokens with AWS's `iss` (docs/emulators.md) — on the reset's and the resend's calls too.
  ministack: ["code-flow", "challenges", "reset", "resend"],
  admin: ["admin-flow"],
  lambda: ["lambda-flow"],
  // A pool with passkeys and e-mail codes, behind the WebAuthn test double (scripts/test), at
  // http://localhost: the relying party passkeys are made for.
  passkeys: ["passkeys"],
  // "Continue with Google": ministack federating a real OpenID Provider (oidc-provider) as
  // Google, with an app client with a secret (scripts/test).
  federation: ["federation"],
  // Managed login against cognito-local's own /oauth2/authorize and /oauth2/token.
  managed: ["managed"],
  // An SRP-only app client in a pool that remembers devices, behind the SRP test double
  // (end2end/doubles/cognito-srp.mjs, scripts/test).
  devices: ["devices"],
  // The debug build the run command serves (tests/scripts/dev-smoke.sh): it renders and hydrates.
  dev: ["home"],
};

/** KEY=VALUE lines, as scripts/lib.sh's `provision` writes them. */
function readEnvFile(path: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const at = line.indexOf("=");
    if (at > 0 && !line.startsWith("#")) env[line.slice(0, at)] = line.slice(at + 1);
  }
  return env;
}

// E2E_RUNS="code=FILE secret=FILE …" (scripts/test): one project per server, all in one run so
// the workers stay busy. FILE is the env file the server was started with; its APP_URL is the
// project's baseURL and the tests' helpers read the project's settings from it
// (tests/cognito-local.ts, `setting`). Without it: one project, E2E_MODE (default code) against
// LEPTOS_SITE_ADDR, settings from the environment — as `cargo leptos end-to-end` runs it.
type Run = { name: string; baseURL: string; env?: Record<string, string> };
const runs: Run[] = (process.env.E2E_RUNS ?? "").split(/\s+/).filter(Boolean).map((run) => {
  const [name, file] = run.split("=", 2);
  if (!specsByMode[name] || !file) throw new Error(`E2E_RUNS: \`${run}\` is not MODE=ENV_FILE (modes: ${Object.keys(specsByMode).join(", ")})`);
  const env = readEnvFile(file);
  if (!env.APP_URL) throw new Error(`E2E_RUNS: ${file} has no APP_URL`);
  return { name, baseURL: env.APP_URL, env };
});
if (runs.length === 0) {
  const mode = process.env.E2E_MODE ?? "code";
  if (!specsByMode[mode]) throw new Error(`E2E_MODE must be one of ${Object.keys(specsByMode).join(", ")}`);
  runs.push({ name: mode, baseURL: `http://${process.env.LEPTOS_SITE_ADDR ?? "127.0.0.1:3000"}` });
}

export default defineConfig({
  testDir: "./tests",
  globalSetup: "./global-setup.ts",
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  // One worker per core (at least 2). Two per core measured slower on 2 cores (the server,
  // the emulator and Chromium already fill them) and made the timing spec of enumeration.spec
  // fail. E2E_WORKERS overrides.
  workers: Number(process.env.E2E_WORKERS) || Math.max(2, availableParallelism()),
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: [["list"]],
  use: {
    browserName: "chromium",
    headless: true,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      // Debian's Chromium: `npx playwright install` cannot download a browser here.
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--no-first-run",
        "--disable-sync",
      ],
    },
  },
  projects: runs.map(({ name, baseURL, env }) => ({
    name,
    testMatch: specsByMode[name].map((spec) => `${spec}.spec.ts`),
    use: { baseURL },
    metadata: { env },
  })),
});
