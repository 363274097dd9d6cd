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

// Both instances share one Redis session store (scripts/test): the account page on one
// instance lists a browser signed in on the other, and signs it out there.
test("the sessions list on one instance shows and ends a browser signed in on the other", async ({
  page,
  browser,
}) => {
  const second = setting("E2E_SECOND_URL");
  const email = uniqueEmail("sessions");
  await confirmedUser(email, PASSWORD);
  await new SignInPage(page).goto();
  await new SignInPage(page).signIn(email, PASSWORD);
  await expect(page).toHaveURL(/\/protected$/);

  // A phone: a browser of its own, signed in on instance B.
  const phone = await browser.newContext({
    baseURL: second,
    userAgent:
      "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
  });
  const phonePage = await phone.newPage();
  await new SignInPage(phonePage).goto();
  await new SignInPage(phonePage).signIn(email, PASSWORD);
  await expect(phonePage).toHaveURL(`${second}/protected`);

  // The laptop, on A: this browser first and marked, then the phone with its own button.
  await page.goto("/account");
  const sessions = page.getByTestId("session");
  await expect(sessions).toHaveCount(2);
  await expect(sessions.first()).toHaveAttribute("data-current", "true");
  await expect(sessions.first()).toContainText("This browser");
  await expect(sessions.nth(1)).toContainText("Safari on iOS");
  await expect(sessions.nth(1)).toContainText("127.0.0.0/24");
  await page.getByRole("button", { name: "Sign out Safari on iOS" }).click();
  await expect(page).toHaveURL(/\/account\?notice=session_ended$/);
  await expect(page.getByText("That browser is signed out.")).toBeVisible();
  await expect(sessions).toHaveCount(1);

  // The phone's next page, on B: the sign-in form, its cookies gone.
  await phonePage.goto("/protected");
  await expect(phonePage).toHaveURL(/\/sign-in\?next=/);
  expect((await phone.cookies()).filter((c) => ["lc-session", "lc-refresh"].includes(c.name))).toEqual([]);
  await phone.close();

  // The laptop is still signed in, on both instances.
  await page.goto(`${second}/protected`);
  await expect(new ProtectedPage(page).apiEmail()).toHaveText(email);
});
