import { expect, test } from "@playwright/test";
import { confirmedUser, setting } from "./cognito-local";
import { Header, PASSWORD, uniqueEmail } from "./pages";

// Managed login (COGNITO_MANAGED_LOGIN=true) against cognito-local's own OAuth endpoints: its
// /oauth2/authorize (a bare form, not Cognito's page) and /oauth2/token, which checks the PKCE
// verifier and the callback URL. The app's OAuth client makes the same round trip it makes with
// a provider: state, PKCE S256, the code traded from the server, then its own session.

test("the sign-in page sends people to the pool's own, and they come back signed in", async ({ page }) => {
  const email = uniqueEmail("managed");
  await confirmedUser(email, PASSWORD);
  await page.goto("/sign-in?next=/account");
  // cognito-local's sign-in form, with the app's request in it.
  await expect(page).toHaveURL(new RegExp(`^${setting("COGNITO_DOMAIN")}/oauth2/authorize\\?`));
  const url = new URL(page.url());
  expect(url.searchParams.get("code_challenge_method")).toBe("S256");
  expect(url.searchParams.get("lang")).toBe("en");
  await page.locator('input[name="username"]').fill(email);
  await page.locator('input[name="password"]').fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/account$/);
  await new Header(page).expectSignedInAs(email);
  expect(await page.evaluate(() => document.cookie)).not.toMatch(/eyJ/);
  await expect(page.getByText("The sign-in page of Cognito")).toBeVisible();
  // cognito-local has no /logout (COGNITO_LOCAL_OAUTH): signing out goes straight home.
  await new Header(page).signOut();
  await expect(page).toHaveURL(`${setting("APP_URL")}/`);
  await new Header(page).expectSignedOut();
});

test("the pool's page in Japanese for a Japanese reader", async ({ page }) => {
  await page.context().addCookies([{ name: "lang", value: "ja", url: setting("APP_URL") }]);
  await page.goto("/sign-up");
  await expect(page).toHaveURL(new RegExp(`^${setting("COGNITO_DOMAIN")}/oauth2/authorize\\?`));
  expect(new URL(page.url()).searchParams.get("lang")).toBe("ja");
});
