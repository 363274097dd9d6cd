import { defineConfig } from "@playwright/test";
import { availableParallelism } from "node:os";

// Which confirmation mode the server under test runs in (scripts/test sets it per run).
const mode = process.env.E2E_MODE ?? "code";
const specsByMode: Record<string, string[]> = {
  code: ["home", "code-flow", "errors", "no-js", "session", "enumeration", "scale-out", "challenges", "account", "messages", "japanese", "accessibility", "no-token"],
  // The same app in front of an app client with a secret (SECRET_HASH on every call).
  secret: ["code-flow", "challenges"],
  // The secret client again, on ministack: it checks SECRET_HASH and SigV4 and signs RS256
  // tokens with AWS's `iss` (README, "Local emulator vs real Cognito").
  ministack: ["code-flow", "challenges"],
  admin: ["admin-flow"],
  lambda: ["lambda-flow"],
};
if (!specsByMode[mode]) throw new Error(`E2E_MODE must be one of ${Object.keys(specsByMode).join(", ")}`);

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
    baseURL: `http://${process.env.LEPTOS_SITE_ADDR ?? "127.0.0.1:3000"}`,
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
  projects: [{ name: mode, testMatch: specsByMode[mode].map((name) => `${name}.spec.ts`) }],
});
