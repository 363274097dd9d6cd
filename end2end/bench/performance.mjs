// The performance budgets of the app, measured in one run against a release server that
// `scripts/bench` started (BENCH_URL, COGNITO_URL, COGNITO_CLIENT_ID, BENCH_EMAIL,
// BENCH_PASSWORD, SERVER_PID). Prints one table. Not a test: figures vary by machine, so nothing
// here fails on a slow run — it fails only when something does not work at all.
import { chromium } from "@playwright/test";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const env = (name) => process.env[name] ?? fail(`${name} is not set (run scripts/bench)`);
const BASE = env("BENCH_URL");
const COGNITO = env("COGNITO_URL");
const CLIENT_ID = env("COGNITO_CLIENT_ID");
const EMAIL = env("BENCH_EMAIL");
const PASSWORD = env("BENCH_PASSWORD");
const SERVER_PID = env("SERVER_PID");
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const SIGN_INS = Number(process.env.BENCH_SIGN_INS ?? 300);
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

function fail(message) {
  console.error(`bench: ${message}`);
  process.exit(1);
}

const KB = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
const ms = (v) => `${v.toFixed(v < 10 ? 2 : 0)} ms`;
const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};
const rssMb = () => {
  const status = readFileSync(`/proc/${SERVER_PID}/status`, "utf8");
  const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+)`, "m").exec(status)[1]);
  return { rss: kb("VmRSS") / 1024, peak: kb("VmHWM") / 1024 };
};

// --- a session, the way a browser gets one: the sign-in server function --------------------
async function signIn() {
  const res = await fetch(`${BASE}/auth/sign-in`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      accept: "application/json",
      origin: BASE,
    },
    body: new URLSearchParams({ email: EMAIL, password: PASSWORD }),
    redirect: "manual",
  });
  await res.arrayBuffer();
  if (!res.ok) fail(`sign-in answered ${res.status}`);
  return res.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
}

async function initiateAuth() {
  const res = await fetch(COGNITO, {
    method: "POST",
    headers: {
      "content-type": "application/x-amz-json-1.1",
      "x-amz-target": "AWSCognitoIdentityProviderService.InitiateAuth",
    },
    body: JSON.stringify({
      ClientId: CLIENT_ID,
      AuthFlow: "USER_PASSWORD_AUTH",
      AuthParameters: { USERNAME: EMAIL, PASSWORD },
    }),
  });
  const body = await res.json();
  if (!body.AuthenticationResult) fail(`InitiateAuth answered ${res.status}`);
}

// --- 1. page weight: every response the page loads, as the browser sees it ------------------
async function pageWeight(browser, path, cookie) {
  const context = await browser.newContext();
  if (cookie) {
    await context.addCookies(
      cookie.split("; ").map((pair) => {
        const [name, ...value] = pair.split("=");
        return { name, value: value.join("="), url: BASE };
      }),
    );
  }
  const page = await context.newPage();
  const responses = [];
  page.on("response", (r) => responses.push(r));
  const res = await page.goto(`${BASE}${path}`, { waitUntil: "networkidle" });
  if (!res?.ok() || new URL(page.url()).pathname !== path) fail(`${path} did not load (${page.url()})`);
  await page.locator("html[data-hydrated=true]").waitFor({ timeout: 30_000 });
  await page.waitForLoadState("networkidle");
  const files = [];
  for (const r of responses) {
    const body = await r.body().catch(() => null);
    if (!body) continue;
    const type = r.request().resourceType();
    const sent = (await r.request().sizes()).responseBodySize;
    files.push({
      path: new URL(r.url()).pathname,
      type,
      raw: body.length,
      gzip: gzipSync(body, { level: 9 }).length,
      brotli: brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
      sent,
      encoding: r.headers()["content-encoding"] ?? "none",
    });
  }
  await context.close();
  return files;
}

// --- 2. time to a usable form on slow 3G -----------------------------------------------------
// Chrome DevTools' "Slow 3G": 2 s round trip, 400 kbit/s each way.
const SLOW_3G = { offline: false, latency: 2000, downloadThroughput: (500 * 1000 * 0.8) / 8, uploadThroughput: (500 * 1000 * 0.8) / 8 };

async function usableForm(browser) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.addInitScript(() => {
    const marks = (window.__marks = {});
    new MutationObserver(() => {
      const now = performance.now();
      if (!marks.form && document.querySelector("form[action] button[type=submit]")) marks.form = now;
      if (!marks.hydrated && document.documentElement.dataset.hydrated === "true") marks.hydrated = now;
    }).observe(document, { subtree: true, childList: true, attributes: true });
  });
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
  await cdp.send("Network.emulateNetworkConditions", SLOW_3G);
  await page.goto(`${BASE}/sign-in`, { waitUntil: "commit", timeout: 120_000 });
  await page.locator("html[data-hydrated=true]").waitFor({ timeout: 120_000 });
  const t = await page.evaluate(() => {
    const paint = performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? NaN;
    const wasm = performance.getEntriesByType("resource").find((e) => e.name.endsWith(".wasm"));
    return { ...window.__marks, paint, wasmEnd: wasm?.responseEnd ?? NaN };
  });
  // The form is usable once it is in the page and painted (the stylesheet is render-blocking):
  // it posts to the server function as a plain form, with or without the wasm.
  const form = await page.evaluate(() => {
    const f = document.querySelector("form[action]");
    return { action: f?.getAttribute("action"), method: f?.getAttribute("method") };
  });
  if (!form.action?.startsWith("/auth/") || form.method?.toLowerCase() !== "post") fail("the sign-in form does not post without JS");
  await context.close();
  return { usable: Math.max(t.form, t.paint), hydrated: t.hydrated, wasmEnd: t.wasmEnd };
}

// --- 3. sign-in overhead ---------------------------------------------------------------------
async function signInOverhead() {
  const direct = [];
  const app = [];
  for (let i = 0; i < 20; i++) {
    await initiateAuth();
    await signIn();
  }
  // Interleaved, so a drifting emulator (its data file grows with every session) costs both.
  for (let i = 0; i < SIGN_INS; i++) {
    let t = performance.now();
    await initiateAuth();
    direct.push(performance.now() - t);
    t = performance.now();
    await signIn();
    app.push(performance.now() - t);
  }
  return { direct, app };
}

// --- 4. SSR throughput -----------------------------------------------------------------------
function wrk(path, cookie) {
  const args = ["-t2", "-c64", `-d${SECONDS}s`, "--latency"];
  if (cookie) args.push("-H", `Cookie: ${cookie}`);
  const out = execFileSync("wrk", [...args, `${BASE}${path}`], { encoding: "utf8" });
  const latency = (p) => {
    const m = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s)`, "m").exec(out);
    const v = Number(m[1]);
    return m[2] === "us" ? v / 1000 : m[2] === "s" ? v * 1000 : v;
  };
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  return { rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)[1]), p50: latency(50), p99: latency(99), non2xx };
}

// --- 5. compression and caching of what is served --------------------------------------------
async function served(path, cookie) {
  const res = await fetch(`${BASE}${path}`, { headers: { "accept-encoding": "br, gzip", ...(cookie ? { cookie } : {}) } });
  await res.arrayBuffer();
  return { encoding: res.headers.get("content-encoding") ?? "none", cache: res.headers.get("cache-control") ?? "-" };
}

// --- the run ---------------------------------------------------------------------------------
const rows = [];
const row = (measure, value, budget = "", verdict = "") => rows.push([measure, value, budget, verdict]);
const check = (ok) => (ok ? "met" : "MISSED");

const rssStart = rssMb();
const cookie = await signIn();
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-dev-shm-usage"],
});

const assets = new Set();
const seen = new Set(); // what /sign-in loaded: cached by the time a person reaches /protected
for (const path of ["/sign-in", "/protected", "/account", "/sign-up"]) {
  const signedIn = path === "/protected" || path === "/account";
  const files = await pageWeight(browser, path, signedIn ? cookie : null);
  for (const f of files) {
    if (/\.(js|wasm|css|json)$/.test(f.path)) assets.add(f.path);
    row(`${path}: ${f.path.replace(/^\/pkg\//, "")} (${f.type})`, `${KB(f.raw)} raw · ${KB(f.gzip)} gz · ${KB(f.brotli)} br · ${KB(f.sent)} sent (${f.encoding})`);
  }
  const total = (key, list = files) => list.reduce((sum, f) => sum + f[key], 0);
  row(`${path}: all ${files.length} responses`, `${KB(total("raw"))} raw · ${KB(total("gzip"))} gz · ${KB(total("brotli"))} br · ${KB(total("sent"))} sent`, "≤ 100 KB br", check(total("brotli") <= 100 * 1024));
  if (path === "/sign-in") {
    for (const f of files) if (f.path.startsWith("/pkg/")) seen.add(f.path);
  } else {
    // Bundle files have hashed names and a year of caching: after signing in, only the rest moves.
    const fresh = files.filter((f) => !seen.has(f.path));
    row(`${path} after /sign-in (its bundle files cached): ${fresh.length} responses`, `${KB(total("brotli", fresh))} br`);
  }
}

const form = await usableForm(browser);
await browser.close();
row("slow 3G /sign-in: form usable (painted, posts without JS)", ms(form.usable));
row("slow 3G /sign-in: wasm downloaded", ms(form.wasmEnd));
row("slow 3G /sign-in: hydrated", ms(form.hydrated), "usable before hydration", check(form.usable < form.hydrated));

const { direct, app } = await signInOverhead();
const [d50, d99, a50, a99] = [percentile(direct, 50), percentile(direct, 99), percentile(app, 50), percentile(app, 99)];
row(`direct InitiateAuth (${SIGN_INS}×)`, `p50 ${ms(d50)} · p99 ${ms(d99)}`);
row(`sign-in server function (${SIGN_INS}×)`, `p50 ${ms(a50)} · p99 ${ms(a99)}`);
row("sign-in overhead at p50", ms(a50 - d50), "≤ 2 ms", check(a50 - d50 <= 2));

const rssBefore = rssMb();
const cases = [
  ["GET /sign-in", wrk("/sign-in")],
  ["GET /protected (signed in)", wrk("/protected", cookie)],
];
const rssAfter = rssMb();
for (const [name, r] of cases) {
  row(`${name}, 64 connections, ${SECONDS} s`, `${Math.round(r.rps).toLocaleString("en")} req/s · p50 ${ms(r.p50)} · p99 ${ms(r.p99)} · ${r.non2xx} non-2xx`);
}
row("server RSS: start → before wrk → after wrk (peak)", `${rssStart.rss.toFixed(1)} → ${rssBefore.rss.toFixed(1)} → ${rssAfter.rss.toFixed(1)} MB (${rssAfter.peak.toFixed(1)})`, "≤ 60 MB", check(rssAfter.peak <= 60));

for (const path of ["/sign-in", ...assets]) {
  const s = await served(path);
  row(`served ${path.replace(/^\/pkg\//, "")}`, `${s.encoding} · ${s.cache}`);
}

const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i].length), ["measure", "value", "budget", ""][i].length));
const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
console.log(`\nRelease build on ${execFileSync("nproc", { encoding: "utf8" }).trim()} cores, server, emulator, browser and load generator on the same machine\n`);
console.log(line(["measure", "value", "budget", ""]));
console.log(line(widths.map((w) => "-".repeat(w))));
for (const r of rows) console.log(line(r));
