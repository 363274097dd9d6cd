import { expect, test } from "@playwright/test";
import { accessToken, attributeVerificationCode, confirmedUser, totp, wrongTotp } from "./cognito-local";
import { type Page } from "@playwright/test";
import {
  AccountPage,
  ChallengePage,
  Header,
  PASSWORD,
  ProtectedPage,
  SignInPage,
  alerts,
  hydrated,
  signInAs,
  uniqueEmail,
} from "./pages";

// The account page on the emulator, each action end to end. scripts/test sets
// REAUTH_WINDOW_SECS=15, so a sign-in counts as recent for 15 s.

const NEW_PASSWORD = "Another-Horse-8";

for (const js of [true, false]) {
  const how = js ? "" : " (JavaScript disabled)";

  test.describe(`account${how}`, () => {
    test.use({ javaScriptEnabled: js });

    test(`change the password, then sign in with the new one${how}`, async ({ page }) => {
      const email = uniqueEmail(js ? "acct-pw" : "acct-pw-nojs");
      await confirmedUser(email, PASSWORD);
      await signInAs(page, email, PASSWORD, { js });
      const account = new AccountPage(page);
      await account.goto({ js });

      // The emulator answers a wrong current password as AWS does not (InvalidPassword vs
      // NotAuthorized); the person reads the same message.
      await account.changePassword("Not-My-Password-1", NEW_PASSWORD);
      await expect(page.locator("#current_password-error")).toHaveText("That is not your current password.");
      await account.changePassword(PASSWORD, "short");
      await expect(page.locator("#new_password-error")).toHaveText("That password does not meet the requirements below.");
      await account.changePassword(PASSWORD, NEW_PASSWORD);
      await expect(account.notice()).toHaveText("Your password has been changed.");

      await new Header(page).signOut();
      const signIn = new SignInPage(page);
      await signIn.goto("", { js });
      await signIn.signIn(email, PASSWORD);
      await expect(alerts(page)).toHaveText("The e-mail or password is not right.");
      await signInAs(page, email, NEW_PASSWORD, { js });
    });

    test(`change the name${how}`, async ({ page }) => {
      const email = uniqueEmail(js ? "acct-name" : "acct-name-nojs");
      await confirmedUser(email, PASSWORD);
      await signInAs(page, email, PASSWORD, { js });
      const account = new AccountPage(page);
      await account.goto({ js });
      await expect(account.name()).toHaveText("(none)");
      await page.getByLabel("Name", { exact: true }).fill("x".repeat(65));
      await account.button("Save name").click();
      await expect(page.locator("#name-error")).toHaveText("Enter a name of at most 64 characters.");
      await expect(page.getByLabel("Name", { exact: true })).toHaveValue("x".repeat(65));
      await page.getByLabel("Name", { exact: true }).fill("Ada Lovelace");
      await account.button("Save name").click();
      await expect(account.notice()).toHaveText("Your name has been saved.");
      await expect(account.name()).toHaveText("Ada Lovelace");
    });

    test(`delete the account, after which signing in fails${how}`, async ({ page }) => {
      const email = uniqueEmail(js ? "acct-del" : "acct-del-nojs");
      await confirmedUser(email, PASSWORD);
      await signInAs(page, email, PASSWORD, { js });
      const account = new AccountPage(page);
      await account.goto({ js });
      await page.getByLabel("I understand that this deletes my account and cannot be undone").check();
      await account.button("Delete my account").click();
      await expect(page).toHaveURL(/\/\?notice=account_deleted$/);
      await expect(page.getByRole("status")).toHaveText("Your account has been deleted.");
      await new Header(page).expectSignedOut();
      const signIn = new SignInPage(page);
      await signIn.goto("", { js });
      await signIn.signIn(email, PASSWORD);
      await expect(alerts(page)).toHaveText("The e-mail or password is not right.");
    });

    test(`set up an authenticator app, sign in with it, and turn it off after confirming the password${how}`, async ({
      page,
      browser,
    }) => {
      const email = uniqueEmail(js ? "acct-totp" : "acct-totp-nojs");
      await confirmedUser(email, PASSWORD);
      await signInAs(page, email, PASSWORD, { js });
      const account = new AccountPage(page);
      await account.goto({ js });
      await expect(account.twoStep()).toHaveText("off");
      await account.button("Set up an authenticator app").click();
      await expect(account.notice()).toHaveText("Add this site to your authenticator app, then enter the code it shows.");
      await expect(page.getByRole("img", { name: "QR code for your authenticator app" })).toBeVisible();
      // The person types the key shown on the page into their app; the test is the app.
      const secret = (await page.getByTestId("totp-secret").textContent()) ?? "";
      expect(secret).toMatch(/^[A-Z2-7]{4}( [A-Z2-7]{1,4})+$/);
      if (js) await hydrated(page);
      await page.getByLabel("Code from your authenticator app").fill(wrongTotp(secret));
      await account.button("Turn on two-step sign-in").click();
      await expect(page.locator("#totp-code-error")).toHaveText(/^That code is not right/);
      await page.getByLabel("Code from your authenticator app").fill(totp(secret));
      await account.button("Turn on two-step sign-in").click();
      await expect(account.notice()).toHaveText(/^Two-step sign-in is on/);
      await expect(account.twoStep()).toHaveText("on (authenticator app)");

      // On another device, signing in now asks for the app's code. (A second browser: the
      // emulator keeps no refresh token for a sign-in that went through a challenge, so such a
      // session could not outlive its 10-second access token below; AWS keeps it.)
      const other = await browser.newContext({ baseURL: test.info().project.use.baseURL, javaScriptEnabled: js });
      const phone = await other.newPage();
      const signIn = new SignInPage(phone);
      await signIn.goto("", { js });
      await signIn.signIn(email, PASSWORD);
      await expect(phone).toHaveURL(/\/sign-in\/code$/);
      if (js) await hydrated(phone);
      await new ChallengePage(phone).enterCode(totp(secret));
      await expect(phone).toHaveURL(/\/protected$/);
      await other.close();

      // Turning it off needs the password from the last 15 s (5 minutes outside the tests).
      await page.waitForTimeout(16_000);
      await account.goto({ js });
      await expect(account.button("Turn off two-step sign-in")).toHaveCount(0);
      await expect(page.getByTestId("reauth-state")).toContainText("need your password");
      await account.confirmPassword("Wrong-Password-1");
      await expect(page.locator("#password-error")).toHaveText("That is not your current password.");
      await account.confirmPassword(PASSWORD);
      // The account has two-step sign-in, so confirming asks for the code too.
      await expect(page).toHaveURL(/\/sign-in\/code$/);
      if (js) await hydrated(page);
      await new ChallengePage(page).enterCode(totp(secret));
      await expect(page).toHaveURL(/\/account\?notice=confirmed$/);
      if (js) await hydrated(page);
      await account.button("Turn off two-step sign-in").click();
      await expect(account.notice()).toHaveText("Two-step sign-in is off.");
      await expect(account.twoStep()).toHaveText("off");
    });
  });
}

test("change the e-mail with the code sent to the new address", async ({ page }) => {
  const email = uniqueEmail("acct-mail");
  const newEmail = uniqueEmail("acct-mail-new");
  await confirmedUser(email, PASSWORD);
  await signInAs(page, email, PASSWORD);
  const account = new AccountPage(page);
  await account.goto();
  await page.getByLabel("New e-mail").fill(newEmail);
  await account.button("Send a code to the new address").click();
  await expect(account.notice()).toHaveText("We sent a code to your new address. Enter it below to make the change.");
  // Until the code is entered the old address stays in force (AttributesRequireVerificationBeforeUpdate).
  await expect(account.email()).toContainText(email);
  await expect(page.getByRole("main")).toContainText(`We sent a code to ${newEmail}`);
  await hydrated(page);
  await page.getByLabel("Code from the e-mail").fill("000000");
  await account.button("Change my e-mail").click();
  await expect(page.locator("#email-code-error")).toHaveText("That code is not right. Check the e-mail and try again.");
  await page.getByLabel("Code from the e-mail").fill(await attributeVerificationCode(email));
  await account.button("Change my e-mail").click();
  await expect(account.notice()).toHaveText("Your e-mail address has been changed.");
  await expect(account.email()).toHaveText(`${newEmail} (verified)`);
  await new Header(page).expectSignedInAs(newEmail);

  await new Header(page).signOut();
  await signInAs(page, newEmail, PASSWORD);
});

/** The status of `GET /api/me` with `token`, as a command-line tool would call it. */
async function apiStatus(page: Page, token: string): Promise<number> {
  const answer = await page.request.get("/api/me", { headers: { Authorization: `Bearer ${token}` } });
  return answer.status();
}

// cognito-local has no GlobalSignOut: the app's own sign-out (every instance, the API) does not
// wait for it, and the page says what Cognito could not do.
test("sign out everywhere ends another browser and refuses an older token, on the emulator", async ({
  page,
  browser,
}) => {
  const email = uniqueEmail("acct-everywhere");
  await confirmedUser(email, PASSWORD);
  const cli = await accessToken(email, PASSWORD);
  const other = await browser.newContext({ baseURL: test.info().project.use.baseURL });
  const phone = await other.newPage();
  await signInAs(phone, email, PASSWORD);
  await signInAs(page, email, PASSWORD);
  expect(await apiStatus(page, cli)).toBe(200);

  const account = new AccountPage(page);
  await account.goto();
  await account.button("Sign out everywhere").click();
  await expect(page).toHaveURL(/\/sign-in\?notice=signed_out_everywhere_app_only$/);
  await expect(page.getByRole("status")).toContainText("signed out of this app on every device");
  await new Header(page).expectSignedOut();
  await phone.goto("/protected");
  await expect(phone).toHaveURL(/\/sign-in\?next=/);
  expect(await apiStatus(page, cli)).toBe(401);
  await other.close();
});

test("a new password with “sign out my other devices” ends the other browser and keeps this one", async ({
  page,
  browser,
}) => {
  const email = uniqueEmail("acct-pw-everywhere");
  await confirmedUser(email, PASSWORD);
  const cli = await accessToken(email, PASSWORD);
  const other = await browser.newContext({ baseURL: test.info().project.use.baseURL });
  const phone = await other.newPage();
  await signInAs(phone, email, PASSWORD);
  await signInAs(page, email, PASSWORD);
  // The tokens of before are a second old by the time the password changes (whole seconds).
  await page.waitForTimeout(1_100);

  const account = new AccountPage(page);
  await account.goto();
  await account.changePassword(PASSWORD, NEW_PASSWORD, { everywhere: true });
  await expect(account.notice()).toContainText("your other devices are signed out of this app");
  await new Header(page).expectSignedInAs(email);
  await phone.goto("/protected");
  await expect(phone).toHaveURL(/\/sign-in\?next=/);
  expect(await apiStatus(page, cli)).toBe(401);
  // This browser's new session is the person's, and its token the API's.
  await page.goto("/protected");
  await expect(new ProtectedPage(page).apiEmail()).toHaveText(email);
  await other.close();
});

test("an address nobody proved is confirmed on the account page with a code", async ({ page }) => {
  const email = uniqueEmail("acct-verify");
  // Confirmed by an administrator: the address is not verified.
  await confirmedUser(email, PASSWORD);
  await signInAs(page, email, PASSWORD);
  const account = new AccountPage(page);
  await account.goto();
  await expect(account.email()).toHaveText(`${email} (not verified yet)`);
  await expect(page.getByTestId("verify-email")).toContainText("a password reset cannot reach it");
  await account.button("E-mail me a code").click();
  await expect(account.notice()).toHaveText("We e-mailed a code to your address. Enter it below to confirm it.");
  await hydrated(page);
  await page.getByLabel("Code from the e-mail").fill(await attributeVerificationCode(email));
  await account.button("Confirm my address").click();
  await expect(account.notice()).toHaveText("Your e-mail address is confirmed: password resets can reach it now.");
  await expect(account.email()).toHaveText(`${email} (verified)`);
  await expect(page.getByTestId("verify-email")).toHaveCount(0);
});

test("the account page is for signed-in people only, and never cached", async ({ page }) => {
  const res = await page.request.get("/account", { maxRedirects: 0, headers: { Accept: "text/html" } });
  expect(res.status()).toBe(302);
  expect(res.headers()["location"]).toBe("/sign-in?next=/account");
  const email = uniqueEmail("acct-cache");
  await confirmedUser(email, PASSWORD);
  await signInAs(page, email, PASSWORD);
  const fresh = await page.request.get("/account", { headers: { Accept: "text/html" } });
  expect(fresh.headers()["cache-control"]).toBe("no-store");
  await page.goto("/account");
  expect(await page.content()).not.toMatch(/eyJ[\w-]+\.eyJ/);
});
