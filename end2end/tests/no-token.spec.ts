import { expect, test, type Page, type Response } from "@playwright/test";
import { confirmedUser } from "./cognito-local";
import { AccountPage, Header, PASSWORD, ProtectedPage, hydrated, signInAs, uniqueEmail } from "./pages";

// The server keeps the tokens: no Cognito token may reach anything JavaScript can read — a
// response body, a response header (Set-Cookie is the one header scripts never see), a cookie in
// `document.cookie`, or browser storage. Cognito's tokens are JWTs: `eyJ…` header, `.`, payload.
const JWT = /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.?/;

/** Every response the page gets, with what a script could read of it. */
function watch(page: Page): { seen: string[]; leaks: string[]; done: () => Promise<void> } {
  const seen: string[] = [];
  const leaks: string[] = [];
  const pending: Promise<void>[] = [];
  const check = async (response: Response) => {
    const where = `${response.request().method()} ${new URL(response.url()).pathname}`;
    seen.push(where);
    for (const [name, value] of Object.entries(await response.allHeaders())) {
      if (name !== "set-cookie" && JWT.test(value)) leaks.push(`${where}: header ${name}`);
    }
    const type = response.headers()["content-type"] ?? "";
    // Redirects have no body to read; the wasm and images are not text.
    if (response.status() >= 300 && response.status() < 400) return;
    if (!/text|json|javascript|xml/.test(type)) return;
    const body = await response.text().catch(() => "");
    if (JWT.test(body)) leaks.push(`${where}: body`);
  };
  page.on("response", (response) => pending.push(check(response)));
  return { seen, leaks, done: async () => void (await Promise.all(pending)) };
}

async function scriptReadable(page: Page): Promise<string> {
  return page.evaluate(() => {
    const storage = [localStorage, sessionStorage].flatMap((s) => Object.keys(s).map((k) => `${k}=${s.getItem(k)}`));
    return [document.cookie, ...storage].join("\n");
  });
}

test("no Cognito token reaches JavaScript on any page, signed in", async ({ page }) => {
  const email = uniqueEmail("no-token");
  await confirmedUser(email, PASSWORD);
  const responses = watch(page);
  await signInAs(page, email, PASSWORD);

  // The protected page shows the call the server made, the token elided.
  const protectedPage = new ProtectedPage(page);
  await expect(protectedPage.apiEmail()).toHaveText(email);
  await expect(page.getByTestId("api-request")).toHaveText("GET /api/me");
  await expect(page.getByTestId("api-status")).toHaveText("200");
  await expect(page.getByTestId("api-authorization")).toHaveText(/^Bearer … \(your access token, \d{3,} bytes, added by the server\)$/);
  await hydrated(page);
  // "Call the API again" goes through the server too, after the access token has expired (the
  // test client's tokens live 10 s), so a refreshed token is covered as well.
  await expect(protectedPage.expiry()).toContainText("ago", { timeout: 20_000 });
  await protectedPage.callAgain();
  await expect(protectedPage.refreshed()).toHaveText(/\d+ s ago/);
  await expect(protectedPage.expiry()).toHaveText(/^in \d+ s$/);
  await expect(protectedPage.apiEmail()).toHaveText(email);
  expect(await scriptReadable(page)).not.toMatch(JWT);

  for (const path of ["/", "/account", "/sign-up", "/sign-in", "/confirm", "/forgot-password", "/no-such-page", "/protected"]) {
    await page.goto(path);
    await hydrated(page);
    expect(await scriptReadable(page), path).not.toMatch(JWT);
  }
  await new AccountPage(page).goto();

  // The way the browser used to get a token is gone.
  for (const method of ["GET", "POST"] as const) {
    const old = await page.request.fetch("/auth/api-token", { method, headers: { Accept: "application/json" } });
    expect(old.status(), method).toBeGreaterThanOrEqual(400);
    expect(await old.text()).not.toMatch(JWT);
  }
  // The call itself, as a script on the page could make it: the answer, never the token.
  const call = await page.request.post("/auth/call-api", { headers: { Accept: "application/json" } });
  expect(call.status()).toBe(200);
  const body = await call.text();
  expect(body).not.toMatch(JWT);
  expect(JSON.parse(body)).toMatchObject({ method: "GET", url: "/api/me", answer: { Me: { email } } });

  await new Header(page).signOut();
  await expect(page).toHaveURL(/\/$/);
  await responses.done();
  expect(responses.seen.length).toBeGreaterThan(20);
  expect(responses.leaks).toEqual([]);
});

test("signed out, the server makes no call for the browser", async ({ page }) => {
  const call = await page.request.post("/auth/call-api", { headers: { Accept: "application/json" } });
  expect(call.status()).toBe(401);
  expect(await call.text()).not.toMatch(JWT);
});

test("without JavaScript the protected page shows the server's call, and calling again reloads it", async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  const email = uniqueEmail("no-token-nojs");
  await confirmedUser(email, PASSWORD);
  await signInAs(page, email, PASSWORD, { js: false });
  const protectedPage = new ProtectedPage(page);
  await expect(protectedPage.apiEmail()).toHaveText(email);
  await expect(page.getByTestId("api-status")).toHaveText("200");
  await protectedPage.callAgain();
  // A GET form with no fields: `/protected?`.
  await expect(page).toHaveURL(/\/protected\??$/);
  await expect(protectedPage.apiEmail()).toHaveText(email);
  expect(await page.content()).not.toMatch(JWT);
  await context.close();
});
