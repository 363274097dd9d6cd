// Open-loop load on the sign-in server function: starts LOAD_RATE sign-ins a second for
// LOAD_SECONDS whatever the answers take (so a slow server shows up as latency, not as a lower
// rate), and prints one line of JSON: sent, ok, errors, p50/p99/max in ms.
const BASE = process.env.BENCH_URL;
const EMAIL = process.env.BENCH_EMAIL;
const PASSWORD = process.env.BENCH_PASSWORD;
const RATE = Number(process.env.LOAD_RATE ?? 50);
const SECONDS = Number(process.env.LOAD_SECONDS ?? 60);
if (!BASE || !EMAIL || !PASSWORD) {
  console.error("sign-in-load: run it from scripts/load");
  process.exit(1);
}

async function signIn() {
  const started = performance.now();
  try {
    const res = await fetch(`${BASE}/auth/sign-in`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json", origin: BASE },
      body: new URLSearchParams({ email: EMAIL, password: PASSWORD }),
    });
    await res.arrayBuffer();
    // The session's two cookies (a device cookie may come too).
    const names = res.headers.getSetCookie().map((c) => c.split("=", 1)[0]);
    const session = names.some((n) => n.endsWith("lc-session")) && names.some((n) => n.endsWith("lc-refresh"));
    return { ms: performance.now() - started, ok: res.ok && session, status: res.status };
  } catch (e) {
    return { ms: performance.now() - started, ok: false, status: String(e.cause?.code ?? e) };
  }
}

const pending = [];
const start = performance.now();
for (let i = 0; i < RATE * SECONDS; i++) {
  const due = start + (i * 1000) / RATE;
  const wait = due - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  pending.push(signIn());
}
const results = await Promise.all(pending);
const elapsed = (performance.now() - start) / 1000;
const times = results.map((r) => r.ms).sort((a, b) => a - b);
const at = (p) => times[Math.min(times.length - 1, Math.floor(p * times.length))];
const failures = {};
for (const r of results.filter((r) => !r.ok)) failures[r.status] = (failures[r.status] ?? 0) + 1;
console.log(
  JSON.stringify({
    sent: results.length,
    rate: +(results.length / elapsed).toFixed(1),
    ok: results.filter((r) => r.ok).length,
    failures,
    p50: +at(0.5).toFixed(1),
    p99: +at(0.99).toFixed(1),
    max: +times[times.length - 1].toFixed(1),
  }),
);
