import { expect, test } from "@playwright/test";
import { confirmedUser, setting } from "./cognito-local";
import { Header, PASSWORD, ProtectedPage, SignInPage, hydrated, uniqueEmail } from "./pages";

// A second instance of the same server with the same SESSION_KEY (scripts/test starts it), as
// behind a load balancer. Cookies belong to the host, not the port, so the browser sends the
// session to both.
test("a session made on one instance is used, refreshed and ended on the other", async ({ page }) => {
  const second = setting("E2E_SECOND_URL");
  const email = uniqueEmail("scale");
  await confirmedUser(email, PASSWORD);
  await new SignInPage(page).goto();
  await hydrated(page);
  await new SignInPage(page).signIn(email, PASSWORD);
  await expect(page).toHaveURL(/\/protected$/);
  const stolen = await page.context().cookies();

  // Instance B reads the session instance A made and calls the API with it.
  await page.goto(`${second}/protected`);
  await expect(page).toHaveURL(`${second}/protected`);
  const protectedPage = new ProtectedPage(page);
  await expect(protectedPage.apiEmail()).toHaveText(email);
  await expect(protectedPage.refreshed()).toContainText("not yet");

  // B refreshes it once the 10-second access token has expired...
  await expect(protectedPage.expiry()).toContainText("ago", { timeout: 20_000 });
  await protectedPage.callAgain();
  await expect(protectedPage.refreshed()).toContainText(/\d+ s ago/);
  // ...and A takes the refreshed session as it is.
  await page.goto("/protected");
  await expect(protectedPage.apiEmail()).toHaveText(email);
  await expect(protectedPage.refreshed()).toContainText(/\d+ s ago/);

  // Signed out on B: A has no session, and A cannot revive the old cookies either, because B
  // revoked the refresh token at Cognito.
  await page.goto(`${second}/protected`);
  await hydrated(page);
  await new Header(page).signOut();
  await expect(page).toHaveURL(`${second}/`);
  await page.goto("/protected");
  await expect(page).toHaveURL(/\/sign-in\?next=/);

  await page.context().addCookies(stolen);
  await page.waitForTimeout(11_000);
  await page.goto("/protected");
  await expect(page).toHaveURL(/\/sign-in\?next=/);
});
