import { expect, type Page, test } from "@playwright/test";
import { confirmationCode, emailVerified, optionalSetting, userStatus } from "./cognito-local";
import {
  ConfirmPage,
  EN,
  Header,
  PASSWORD,
  ProtectedPage,
  SignInPage,
  SignUpPage,
  type Words,
  hydrated,
  uniqueEmail,
} from "./pages";

export type Mode = "code" | "lambda" | "admin";

/**
 * The whole scenario in the browser: sign up → confirm (as the mode does it) → sign in →
 * protected page shows what /api/me answered → wait past the access token's lifetime → the API
 * call still works because the server refreshed the session → sign out → /protected is closed.
 * `words`: the language the browser asks for (its `locale`), found on every page.
 */
export async function wholeScenario(page: Page, mode: Mode, words: Words = EN) {
  const email = uniqueEmail(mode);
  const header = new Header(page, words);
  const inLanguage = () => expect(page.locator("html")).toHaveAttribute("lang", words.lang);
  // The Content-Security-Policy must let the whole scenario run: no violation on any page.
  const violations: string[] = [];
  page.on("console", (msg) => {
    if (/Content Security Policy/i.test(msg.text())) violations.push(msg.text());
  });
  const secretWatch = watchForSecret(page);

  const signUp = new SignUpPage(page, words);
  await signUp.goto();
  await inLanguage();
  await signUp.signUp(email, PASSWORD, "Ada Lovelace");

  if (mode === "code") {
    await expect(page).toHaveURL(/\/confirm\?/);
    await inLanguage();
    await expect(page.getByRole("status")).toContainText(words.codeSent(email));
    expect(await userStatus(email)).toBe("UNCONFIRMED");
    await new ConfirmPage(page, words).confirm(await confirmationCode(email));
  }
  await expect(page).toHaveURL(/\/sign-in\?/);
  await inLanguage();
  await expect(page.getByRole("status")).toContainText(words.accountConfirmed);
  expect(await userStatus(email)).toBe("CONFIRMED");
  if (mode !== "code") {
    // Confirmed without a code, so nobody proved the address: the account page asks for one.
    expect(await emailVerified(email)).toBe(false);
  }

  const signIn = new SignInPage(page, words);
  await hydrated(page);
  await expect(signIn.email()).toHaveValue(email);
  await signIn.signIn(email, PASSWORD);
  await expect(page).toHaveURL(/\/protected$/);
  await header.expectSignedInAs(email);

  const protectedPage = new ProtectedPage(page, words);
  await inLanguage();
  await expect(page.getByRole("heading", { name: words.protectedPage, level: 1 })).toBeVisible();
  await expect(protectedPage.apiEmail()).toHaveText(email);
  await expect(protectedPage.apiSub()).toHaveText(/^[0-9a-f-]{36}$/);
  await expect(protectedPage.refreshed()).toContainText(words.notRefreshed);

  // The protected page is never stored by a cache.
  const fresh = await page.request.get("/protected", { headers: { Accept: "text/html" } });
  expect(fresh.status()).toBe(200);
  expect(fresh.headers()["cache-control"]).toBe("no-store");

  // No token in the page, in hydration data or in browser storage; the cookies are HttpOnly.
  const html = await page.content();
  expect(html).not.toMatch(/eyJ[\w-]+\.eyJ/);
  const storage = await page.evaluate(() => localStorage.length + sessionStorage.length);
  expect(storage).toBe(0);
  const cookies = await page.context().cookies();
  expect(cookies.length).toBeGreaterThan(0);
  for (const cookie of cookies) {
    expect(cookie.httpOnly, cookie.name).toBe(true);
    expect(cookie.sameSite, cookie.name).toBe("Lax");
  }

  // The test client's access tokens live 10 s: wait until the page's countdown says expired.
  await expect(protectedPage.expiry()).toHaveText(words.expired, { timeout: 20_000 });
  await protectedPage.callAgain();
  await expect(protectedPage.refreshed()).toHaveText(words.refreshedAgo);
  await expect(protectedPage.expiry()).toHaveText(words.expiresIn);
  await expect(protectedPage.apiEmail()).toHaveText(email);
  // The same call as a script on the page could make it (the server function `call-api`): its
  // answer holds no token either (nor, with one, the client's secret: `watchForSecret`).
  const answer = await page.evaluate(async () => {
    const res = await fetch("/auth/call-api", { method: "POST", headers: { Accept: "application/json" } });
    return { status: res.status, body: await res.text() };
  });
  expect(answer.status).toBe(200);
  expect(answer.body).not.toMatch(/eyJ[\w-]+\.eyJ/);

  await header.signOut();
  await expect(page).toHaveURL(/\/$/);
  await header.expectSignedOut();

  await page.goto("/protected");
  await expect(page).toHaveURL(/\/sign-in\?next=(%2F|\/)protected$/);
  expect(violations).toEqual([]);
  await secretWatch?.();
}

/**
 * With an app client secret (COGNITO_CLIENT_SECRET in the server's settings): nothing the
 * running server sends the browser — a page, a bundle file, a server function's answer, a
 * header — carries it. Returns the check to run at the end (it also makes sure each kind was
 * seen, so that it cannot pass by looking at nothing); without a secret, nothing.
 */
function watchForSecret(page: Page): (() => Promise<void>) | undefined {
  const secret = optionalSetting("COGNITO_CLIENT_SECRET");
  if (!secret) return undefined;
  const origin = new URL(test.info().project.use.baseURL ?? "http://127.0.0.1:3000").origin;
  const seen = { page: 0, bundle: 0, serverFunction: 0 };
  const carrying: string[] = [];
  const reads: Promise<void>[] = [];
  page.on("response", (response) => {
    const url = new URL(response.url());
    if (url.origin !== origin) return;
    reads.push(
      (async () => {
        const headers = JSON.stringify(await response.allHeaders());
        // A redirect has no body to read.
        const redirect = response.status() >= 300 && response.status() < 400;
        const body = redirect ? Buffer.alloc(0) : await response.body().catch(() => Buffer.alloc(0));
        if (headers.includes(secret) || body.includes(secret)) carrying.push(response.url());
        // Counted only when there was a body to look in.
        if (body.length === 0) return;
        if (url.pathname.startsWith("/pkg/")) seen.bundle += 1;
        else if (url.pathname.startsWith("/auth/") || url.pathname.startsWith("/api/")) seen.serverFunction += 1;
        else if (response.request().resourceType() === "document") seen.page += 1;
      })(),
    );
  });
  return async () => {
    await Promise.all(reads);
    expect(carrying, "answers that carry the client secret").toEqual([]);
    expect(seen.page, "pages seen").toBeGreaterThan(3);
    expect(seen.bundle, "bundle files seen").toBeGreaterThan(1);
    expect(seen.serverFunction, "server-function answers seen").toBeGreaterThan(0);
  };
}
