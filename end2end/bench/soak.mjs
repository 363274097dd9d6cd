// The fault soak of scripts/load --soak: two release servers on one Redis, reached through a
// proxy that can go silent (tcp-proxy.mjs), under load (wrk and sign-in-load.mjs, started by
// scripts/load), while this script
//   - signs a checker in and out again, over and over, on either instance, and keeps each
//     signed-out browser's cookies;
//   - watches a signed-in page on both instances every 200 ms;
//   - restarts Redis twice (SIGTERM, as a deploy or a failover does; its AOF keeps the data)
//     and makes it silent once (the proxy), at fixed points of the run;
//   - samples both servers' memory every 10 s.
// At the end every signed-out browser is tried again on both instances: none may be signed in
// (a lost revocation). Prints one line of JSON; exits 1 when a revocation was lost, a page was
// not back within 5 s of Redis, or memory grew more than 10 % after the warm-up.
import { spawn } from "node:child_process";
import { openSync, readFileSync, writeFileSync } from "node:fs";
import net from "node:net";

const env = (name) => {
  const value = process.env[name];
  if (!value) {
    console.error(`soak: ${name} is not set (run it from scripts/load --soak)`);
    process.exit(2);
  }
  return value;
};
const URLS = [env("BENCH_URL"), env("SECOND_URL")];
const SECONDS = Number(env("SOAK_SECONDS"));
const CHECKER = env("CHECKER_EMAIL");
const PROBE = env("PROBE_EMAIL");
const PASSWORD = env("BENCH_PASSWORD");
const REDIS_ARGS = JSON.parse(env("REDIS_ARGS")); // [command, ...args]
const REDIS_PORT = Number(env("REDIS_PORT"));
const REDIS_PID_FILE = env("REDIS_PID_FILE");
const REDIS_LOG = env("REDIS_LOG");
const PROXY_PID = Number(env("PROXY_PID"));
const SERVER_PIDS = env("SERVER_PIDS").split(",").map(Number);
const BLOCK_SECONDS = Number(process.env.SOAK_BLOCK_SECONDS ?? 20);
const BACK_WITHIN_MS = 5000;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const started = performance.now();
const now = () => (performance.now() - started) / 1000;

function cookieHeader(res) {
  return res.headers
    .getSetCookie()
    .filter((c) => !/Max-Age=0/i.test(c))
    .map((c) => c.split(";", 1)[0])
    .join("; ");
}

async function signIn(base, email) {
  const res = await fetch(`${base}/auth/sign-in`, {
    method: "POST",
    // Both instances are one site (APP_URL is the first's): a balancer's two backends.
    headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json", origin: URLS[0] },
    body: new URLSearchParams({ email, password: PASSWORD }),
  });
  await res.arrayBuffer();
  return res.ok ? cookieHeader(res) : null;
}

/** "in" (the page shows the person), "out" (it does not), or "down" (503: the store). */
async function protectedPage(base, cookies, email) {
  try {
    const res = await fetch(`${base}/protected`, { headers: { cookie: cookies, accept: "text/html" }, redirect: "manual" });
    const body = await res.text();
    if (res.status === 503) return "down";
    return res.status === 200 && body.includes(email) ? "in" : "out";
  } catch {
    return "down";
  }
}

// --- faults --------------------------------------------------------------------------------

const faults = []; // { kind, at, over, back: [seconds until each instance answered] }
let faulty = false;

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const tcpOpen = (port) =>
  new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
  });

async function restartRedis() {
  const pid = Number(readFileSync(REDIS_PID_FILE, "utf8"));
  const fault = { kind: "redis restart", at: +now().toFixed(1) };
  faulty = true;
  process.kill(pid, "SIGTERM");
  while (alive(pid)) await sleep(20);
  const log = openSync(REDIS_LOG, "a");
  const child = spawn(REDIS_ARGS[0], REDIS_ARGS.slice(1), { detached: true, stdio: ["ignore", log, log] });
  child.unref();
  writeFileSync(REDIS_PID_FILE, String(child.pid));
  while (!(await tcpOpen(REDIS_PORT))) await sleep(20);
  fault.over = +now().toFixed(1);
  faults.push(fault);
  await backOnBoth(fault);
}

async function silence() {
  const fault = { kind: `redis silent ${BLOCK_SECONDS} s`, at: +now().toFixed(1) };
  faulty = true;
  process.kill(PROXY_PID, "SIGUSR1");
  await sleep(BLOCK_SECONDS * 1000);
  process.kill(PROXY_PID, "SIGUSR2");
  fault.over = +now().toFixed(1);
  faults.push(fault);
  await backOnBoth(fault);
}

/** How long after the fault ended each instance shows the probe's page again. */
async function backOnBoth(fault) {
  const over = performance.now();
  fault.back = await Promise.all(
    URLS.map(async (base) => {
      for (;;) {
        if ((await protectedPage(base, probeCookies, PROBE)) === "in") {
          return +((performance.now() - over) / 1000).toFixed(2);
        }
        if (performance.now() - over > 60_000) return Infinity;
        await sleep(50);
      }
    }),
  );
  faulty = false;
}

// --- the checker: sign in, sign out, keep the cookies ------------------------------------------

const signedOut = []; // { cookies, at, instance, duringFault }
const checker = { signIns: 0, refused: 0, signOuts: 0, signOutsRefused: {} };

async function checkerLoop(until) {
  let turn = 0;
  while (now() < until) {
    const base = URLS[turn++ % 2];
    const other = URLS[turn % 2];
    const signedInAt = +now().toFixed(1);
    const cookies = await signIn(base, CHECKER).catch(() => null);
    if (!cookies) {
      checker.refused += 1;
      await sleep(500);
      continue;
    }
    checker.signIns += 1;
    // Seen signed in on the other instance, then signed out there.
    await protectedPage(other, cookies, CHECKER);
    const duringFault = faulty;
    const out = await fetch(`${other}/auth/sign-out`, {
      method: "POST",
      headers: { cookie: cookies, accept: "application/json", origin: URLS[0], "content-type": "application/x-www-form-urlencoded" },
      body: "",
    }).catch(() => null);
    if (out && out.status < 400) {
      checker.signOuts += 1;
      signedOut.push({ cookies, at: +now().toFixed(1), duringFault, signedInAt, signedOutOn: other });
    } else {
      const why = out ? `${out.status} ${(await out.text()).slice(0, 80)}` : "no answer";
      checker.signOutsRefused[why] = (checker.signOutsRefused[why] ?? 0) + 1;
    }
    await sleep(400);
  }
}

// --- the probe: a signed-in page on both instances ---------------------------------------------

const probe = { in: 0, out: 0, down: 0 };
let probeCookies = "";
async function probeLoop(until) {
  while (now() < until) {
    for (const base of URLS) probe[await protectedPage(base, probeCookies, PROBE)] += 1;
    await sleep(200);
  }
}

// --- memory ------------------------------------------------------------------------------------

const rss = () =>
  SERVER_PIDS.map((pid) => {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    return Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024;
  });
const samples = []; // { at, mb: [A, B] }
async function memoryLoop(until) {
  while (now() < until) {
    samples.push({ at: now(), mb: rss() });
    await sleep(10_000);
  }
  samples.push({ at: now(), mb: rss() });
}

// --- the run -----------------------------------------------------------------------------------

probeCookies = await signIn(URLS[0], PROBE);
if (!probeCookies) {
  console.error("soak: the probe could not sign in");
  process.exit(2);
}
const schedule = async () => {
  for (const [at, fault] of [
    [0.3, restartRedis],
    [0.5, restartRedis],
    [0.7, silence],
  ]) {
    const wait = at * SECONDS - now();
    if (wait > 0) await sleep(wait * 1000);
    await fault();
  }
};
await Promise.all([checkerLoop(SECONDS), probeLoop(SECONDS), memoryLoop(SECONDS), schedule()]);

// Every signed-out browser, on both instances: never signed in again.
let lost = 0;
const lostAt = [];
for (const { cookies, at, signedInAt, signedOutOn } of signedOut) {
  for (const base of URLS) {
    let seen;
    do {
      seen = await protectedPage(base, cookies, CHECKER);
      if (seen === "down") await sleep(500);
    } while (seen === "down");
    if (seen === "in") {
      lost += 1;
      lostAt.push({ signedInAt, signedOutAt: at, signedOutOn, seenOn: base });
    }
  }
}

const warmupEnd = SECONDS / 6;
const warm = samples.find((s) => s.at >= warmupEnd) ?? samples[0];
const last = samples[samples.length - 1];
const peak = [0, 1].map((i) => Math.max(...samples.filter((s) => s.at >= warmupEnd).map((s) => s.mb[i])));
const growth = [0, 1].map((i) => (last.mb[i] - warm.mb[i]) / warm.mb[i]);
const slowest = Math.max(...faults.flatMap((f) => f.back));
const result = {
  seconds: SECONDS,
  signOuts: checker.signOuts,
  signOutsDuringFaults: signedOut.filter((s) => s.duringFault).length,
  lostRevocations: lost,
  lost: lostAt,
  checkerSignIns: checker.signIns,
  checkerSignInsRefused: checker.refused,
  signOutsRefused: checker.signOutsRefused,
  probe,
  faults,
  slowestBackSeconds: slowest,
  rssMb: {
    warm: warm.mb.map((v) => +v.toFixed(1)),
    end: last.mb.map((v) => +v.toFixed(1)),
    peakAfterWarmup: peak.map((v) => +v.toFixed(1)),
    growthPercent: growth.map((g) => +(g * 100).toFixed(1)),
  },
};
console.log(JSON.stringify(result));
const ok = lost === 0 && slowest * 1000 <= BACK_WITHIN_MS && growth.every((g) => Math.abs(g) <= 0.1);
process.exit(ok ? 0 : 1);
