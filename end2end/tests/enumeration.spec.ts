import { expect, test, type APIRequestContext } from "@playwright/test";
import { confirmationCode } from "./cognito-local";
import { ConfirmPage, PASSWORD, SignUpPage, uniqueEmail } from "./pages";

// Whether an e-mail has an account must not show in what the sign-up, sign-in, forgot-password
// and resend-code forms answer: same status, same body, and — at the median — the same time.
// (The emulator itself answers UserNotFound vs InvalidPassword; AWS says NotAuthorized to both.)

const ROUNDS = 5;

async function timed(request: APIRequestContext, path: string, form: Record<string, string>) {
  const started = performance.now();
  const res = await request.post(path, { form, headers: { Accept: "application/json" } });
  const body = await res.text();
  return { status: res.status(), body, ms: performance.now() - started };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function compare(request: APIRequestContext, path: string, known: () => Record<string, string>, unknown: () => Record<string, string>, rounds = ROUNDS) {
  const a: Awaited<ReturnType<typeof timed>>[] = [];
  const b: Awaited<ReturnType<typeof timed>>[] = [];
  for (let i = 0; i < rounds; i++) {
    a.push(await timed(request, path, known()));
    b.push(await timed(request, path, unknown()));
  }
  for (let i = 0; i < rounds; i++) {
    expect(b[i].status, path).toBe(a[i].status);
    // The unknown e-mail differs, and it may be echoed back in a redirect: compare without it.
    expect(b[i].body.replaceAll(/[\w.+-]+(@|%40)example\.com/g, "E"), path).toBe(a[i].body.replaceAll(/[\w.+-]+(@|%40)example\.com/g, "E"));
  }
  const gap = Math.abs(median(a.map((r) => r.ms)) - median(b.map((r) => r.ms)));
  expect(gap, `${path}: median times ${median(a.map((r) => r.ms))} vs ${median(b.map((r) => r.ms))} ms`).toBeLessThan(50);
}

test("unknown and known e-mails read the same on sign-in, forgot-password and resend", async ({ page, request }) => {
  const email = uniqueEmail("known");
  const signUp = new SignUpPage(page);
  await signUp.goto();
  await signUp.signUp(email, PASSWORD);
  await new ConfirmPage(page).confirmAndContinue(await confirmationCode(email));

  // Wrong passwords for one address stop at three (Cognito locks at five): three rounds, and the
  // unknown address is one address too, so both are counted alike.
  const nobody = uniqueEmail("nobody");
  await compare(request, "/auth/sign-in", () => ({ email, password: "Wrong-Horse-1" }), () => ({ email: nobody, password: "Wrong-Horse-1" }), 3);
  await compare(request, "/auth/forgot-password", () => ({ email }), () => ({ email: uniqueEmail("nobody") }));
  await compare(request, "/auth/resend-code", () => ({ email }), () => ({ email: uniqueEmail("nobody") }));
});

test("sign-up answers alike for a new address and for one that already has an account", async ({ page, request }) => {
  const confirmed = uniqueEmail("taken");
  const signUp = new SignUpPage(page);
  await signUp.goto();
  await signUp.signUp(confirmed, PASSWORD);
  await new ConfirmPage(page).confirmAndContinue(await confirmationCode(confirmed));
  // Signed up, never confirmed: its code is sent again (on AWS; the emulator has no
  // ResendConfirmationCode, and its failure stays in the server's log).
  const unconfirmed = uniqueEmail("waiting");
  expect((await timed(request, "/auth/sign-up", { email: unconfirmed, password: PASSWORD })).status).toBeLessThan(400);

  // "Check your e-mail for a code" for all three, at the same speed.
  await compare(request, "/auth/sign-up", () => ({ email: confirmed, password: PASSWORD }), () => ({ email: uniqueEmail("new"), password: PASSWORD }));
  await compare(request, "/auth/sign-up", () => ({ email: unconfirmed, password: PASSWORD }), () => ({ email: uniqueEmail("new"), password: PASSWORD }));
});

test("the fourth wrong password is refused with the wait, before Cognito could lock the account", async ({ page }) => {
  const email = uniqueEmail("guess");
  for (let i = 0; i < 3; i++) {
    const res = await page.request.post("/auth/sign-in", { form: { email, password: "Wrong-Horse-1" }, headers: { Accept: "application/json" } });
    expect(res.status()).toBe(401);
  }
  const res = await page.request.post("/auth/sign-in", { form: { email, password: PASSWORD }, headers: { Accept: "application/json" } });
  expect(res.status()).toBe(429);
  const wait = Number(res.headers()["retry-after"]);
  expect(wait).toBeGreaterThan(0);
  // The code, the wait, and the words in the request's language (the browser has no table).
  const words = wait < 120 ? `${wait} seconds` : `${Math.ceil(wait / 60)} minutes`;
  const message = `Too many attempts. Please wait ${words} and try again.`;
  expect(await res.json()).toEqual({ error: "rate_limited", message, seconds: wait });

  // The form shows it, also without JavaScript.
  await page.goto(`/sign-in?error=rate_limited&retry_after=${wait}&email=${encodeURIComponent(email)}`);
  await expect(page.getByRole("alert").filter({ hasText: /\S/ })).toHaveText(message);
});
