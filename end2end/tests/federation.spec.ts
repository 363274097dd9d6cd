import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { setting } from "./cognito-local";
import { Header, ProtectedPage, alerts, hydrated, uniqueEmail } from "./pages";

// "Continue with Google" end to end, in a real browser, through real OAuth implementations: the
// pool is ministack (its /oauth2/authorize with identity_provider, /oauth2/idpresponse and
// /oauth2/token), and "Google" is a real OpenID Provider (npm oidc-provider, end2end/doubles/
// oidc-provider.mjs) that ministack federates as an OpenID Connect provider named Google
// (scripts/test). The app trades the pool's code from the server; the browser never holds a
// token.

const continueWithGoogle = (page: Page) => page.getByRole("link", { name: "Continue with Google", exact: true });

/** At the provider's own login page: who signs in there. */
async function signInAtProvider(page: Page, email: string) {
  await expect(page).toHaveURL(new RegExp(`^${setting("IDP_URL")}/interaction/`));
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
}

/** The `state` of the app's last request to the pool (what the pool must send back). */
function stateOf(page: Page): () => string {
  let state = "";
  page.on("request", (request) => {
    const url = new URL(request.url());
    if (url.pathname === "/oauth2/authorize" && url.searchParams.has("identity_provider")) {
      state = url.searchParams.get("state") ?? "";
    }
  });
  return () => state;
}

test("Continue with Google: the provider's login, then back signed in where the person was going", async ({ page }) => {
  const email = uniqueEmail("google");
  const pool: URL[] = [];
  page.on("request", (r) => {
    if (r.url().startsWith(setting("COGNITO_DOMAIN"))) pool.push(new URL(r.url()));
  });
  await page.goto("/sign-in?next=/account");
  await continueWithGoogle(page).click();
  await signInAtProvider(page, email);
  await expect(page).toHaveURL(/\/account$/);
  await new Header(page).expectSignedInAs(email);
  // The round trip the pool saw: the provider named, PKCE S256, state and nonce, the callback.
  const authorize = pool.find((u) => u.pathname === "/oauth2/authorize");
  expect(authorize?.searchParams.get("identity_provider")).toBe("Google");
  expect(authorize?.searchParams.get("code_challenge_method")).toBe("S256");
  expect(authorize?.searchParams.get("nonce")).toMatch(/^[\w-]{22,}$/);
  expect(authorize?.searchParams.get("redirect_uri")).toBe(`${setting("APP_URL")}/auth/callback`);
  // The code was traded by the server: the browser never called the token endpoint.
  expect(pool.some((u) => u.pathname === "/oauth2/token")).toBe(false);
  // No token is readable by JavaScript, and the API answers for the person.
  expect(await page.evaluate(() => document.cookie)).not.toMatch(/eyJ/);
  await page.goto("/protected");
  await hydrated(page);
  await expect(new ProtectedPage(page).apiEmail()).toHaveText(email);
  // The account page knows a provider's user (no password here), and the sessions list says
  // how this session was signed in.
  await page.goto("/account");
  await expect(page.getByTestId("federated")).toContainText("You sign in with Google.");
  await expect(page.getByLabel("Current password")).toHaveCount(0);
  await expect(page.getByText("Another account (Google, …)")).toBeVisible();
});

test("cancelling at the provider comes back to a clear message and a way back", async ({ page }) => {
  const state = stateOf(page);
  // The provider answers a cancel with error=access_denied to the pool. Cognito then sends the
  // browser back to the app with `error=access_denied`; ministack shows a 400 page of its own
  // instead, so its answer is replaced here by Cognito's (the only simulated step).
  await page.route(/\/oauth2\/idpresponse\?/, async (route) => {
    const url = new URL(route.request().url());
    if (!url.searchParams.has("error")) return route.continue();
    const back = new URL(`${setting("APP_URL")}/auth/callback`);
    back.searchParams.set("error", url.searchParams.get("error") ?? "");
    back.searchParams.set("error_description", url.searchParams.get("error_description") ?? "");
    back.searchParams.set("state", state());
    await route.fulfill({ status: 302, headers: { location: back.toString() } });
  });
  await page.goto("/sign-in?next=/account");
  await continueWithGoogle(page).click();
  await expect(page).toHaveURL(new RegExp(`^${setting("IDP_URL")}/interaction/`));
  await page.getByRole("button", { name: "Cancel", exact: true }).click();
  await expect(page).toHaveURL(/\/sign-in\?error=federation_cancelled&next=%2Faccount$/);
  await expect(alerts(page)).toHaveText("You cancelled signing in with that account. Try again, or sign in another way.");
  // The way back: the same buttons, and `next` still where the person was going.
  await expect(continueWithGoogle(page)).toBeVisible();
  await expect(continueWithGoogle(page)).toHaveAttribute("href", "/auth/continue?provider=Google&next=%2Faccount");
});

test("an answer to another browser's request is refused (no sign-in as someone else)", async ({ page, browser }) => {
  // Someone signs in in their own browser and keeps the pool's answer (its callback URL)...
  const theirs = await browser.newContext({ baseURL: setting("APP_URL") });
  const them = await theirs.newPage();
  let answer = "";
  them.on("request", (r) => {
    if (r.url().startsWith(`${setting("APP_URL")}/auth/callback?`)) answer = r.url();
  });
  await them.goto("/sign-in");
  await continueWithGoogle(them).click();
  await signInAtProvider(them, uniqueEmail("attacker"));
  await expect(them).toHaveURL(/\/protected$/);
  await theirs.close();
  expect(answer).toContain("state=");
  // ...and gets it opened in this browser, in the middle of its own round trip: refused, with
  // a message, and this browser is not signed in as them.
  await page.goto("/sign-in");
  await continueWithGoogle(page).click();
  await expect(page).toHaveURL(new RegExp(`^${setting("IDP_URL")}/interaction/`));
  await page.goto(answer);
  await expect(page).toHaveURL(/\/sign-in\?error=federation_expired/);
  await expect(alerts(page)).toContainText("That sign-in could not be finished");
  await new Header(page).expectSignedOut();
});

test("signing out ends at the pool's /logout, and the next Continue goes through the provider again", async ({ page }) => {
  const email = uniqueEmail("google-out");
  await page.goto("/sign-in");
  await continueWithGoogle(page).click();
  await signInAtProvider(page, email);
  await expect(page).toHaveURL(/\/protected$/);
  const visited: URL[] = [];
  page.on("request", (r) => visited.push(new URL(r.url())));
  await new Header(page).signOut();
  await expect(page).toHaveURL(`${setting("APP_URL")}/`);
  await new Header(page).expectSignedOut();
  const logout = visited.find((u) => u.href.startsWith(`${setting("COGNITO_DOMAIN")}/logout`));
  expect(logout?.searchParams.get("client_id")).toBe(setting("COGNITO_CLIENT_ID"));
  expect(logout?.searchParams.get("logout_uri")).toBe(`${setting("APP_URL")}/`);
  // Signed out of the app and of the pool: the next Continue is a new round trip through the
  // pool to the provider (which, like Google, still knows the person and does not ask again).
  visited.length = 0;
  await page.goto("/sign-in");
  await continueWithGoogle(page).click();
  await expect(page).toHaveURL(/\/protected$/);
  await new Header(page).expectSignedInAs(email);
  expect(visited.some((u) => u.href.startsWith(`${setting("COGNITO_DOMAIN")}/oauth2/authorize`))).toBe(true);
  expect(visited.some((u) => u.href.startsWith(`${setting("IDP_URL")}/auth`))).toBe(true);
});

test("the sign-in page with providers passes axe, in English and Japanese", async ({ page }) => {
  await page.goto("/sign-in");
  await expect(continueWithGoogle(page)).toBeVisible();
  expect((await new AxeBuilder({ page }).analyze()).violations).toEqual([]);
  await page.context().addCookies([{ name: "lang", value: "ja", url: setting("APP_URL") }]);
  await page.goto("/sign-in");
  await expect(page.getByRole("link", { name: "Google で続ける", exact: true })).toBeVisible();
  expect((await new AxeBuilder({ page }).analyze()).violations).toEqual([]);
});
