import { expect, test } from "@playwright/test";
import { confirmedUser, enableTotp, invite, totp, wrongTotp } from "./cognito-local";
import { ChallengePage, Header, PASSWORD, SignInPage, alerts, hydrated, uniqueEmail } from "./pages";

// Sign-in challenges on the emulator: an invited user's first password (NEW_PASSWORD_REQUIRED)
// and an authenticator-app code (SOFTWARE_TOKEN_MFA), with and without JavaScript. The other
// challenges (EMAIL_OTP, SMS_MFA, SELECT_MFA_TYPE, MFA_SETUP) cannot be had from cognito-local
// and are covered by tests/integration/challenges.rs on AWS's wire shapes.

const NEW_PASSWORD = "Brand-New-Pass-7";

for (const js of [true, false]) {
  const how = js ? "" : " (JavaScript disabled)";

  test.describe(`challenges${how}`, () => {
    test.use({ javaScriptEnabled: js });

    test(`an invited user chooses a password and reaches the protected page${how}`, async ({ page }) => {
      const email = uniqueEmail(js ? "invited" : "invited-nojs");
      const temporary = invite(email);
      const signIn = new SignInPage(page);
      await signIn.goto("", { js });
      await signIn.signIn(email, temporary);
      await expect(page).toHaveURL(/\/sign-in\/new-password$/);
      await expect(page.getByRole("heading", { name: "Choose your password" })).toBeVisible();
      await expect(page.getByRole("main")).toContainText(email);
      // The session and the challenge stay on the server: nothing of them is in the page.
      expect(await page.content()).not.toMatch(/Session|USER_ID_FOR_SRP/);
      const cookies = await page.context().cookies();
      const pending = cookies.find((c) => c.name.endsWith("lc-sign-in"));
      expect(pending?.httpOnly).toBe(true);
      expect(pending?.sameSite).toBe("Lax");

      if (js) await hydrated(page);
      const challenge = new ChallengePage(page);
      // The pool's policy applies to the new password too.
      await challenge.chooseNewPassword("short");
      await expect(page.locator("#password-error")).toHaveText("That password does not meet the requirements below.");
      await challenge.chooseNewPassword(NEW_PASSWORD);
      await expect(page).toHaveURL(/\/protected$/);
      await new Header(page).expectSignedInAs(email);
      expect((await page.context().cookies()).some((c) => c.name.endsWith("lc-sign-in"))).toBe(false);

      // From now on the chosen password is the one that works.
      await new Header(page).signOut();
      await expect(page).toHaveURL(/\/$/);
      await signIn.goto("", { js });
      await signIn.signIn(email, NEW_PASSWORD);
      await expect(page).toHaveURL(/\/protected$/);
    });

    test(`an authenticator-app user signs in with a code, after a wrong one${how}`, async ({ page }) => {
      const email = uniqueEmail(js ? "totp" : "totp-nojs");
      await confirmedUser(email, PASSWORD);
      const secret = await enableTotp(email, PASSWORD);

      const signIn = new SignInPage(page);
      await signIn.goto("?next=/protected%3Ffrom%3Dmfa", { js });
      await signIn.signIn(email, PASSWORD);
      await expect(page).toHaveURL(/\/sign-in\/code$/);
      await expect(page.getByRole("main")).toContainText("Open your authenticator app");
      if (js) await hydrated(page);

      const challenge = new ChallengePage(page);
      await challenge.enterCode("12");
      await expect(page.locator("#code-error")).toHaveText(/^Enter the code: 6 digits/);
      await challenge.enterCode(wrongTotp(secret));
      await expect(page.locator("#code-error")).toHaveText(/^That code is not right/);
      await expect(page).toHaveURL(/\/sign-in\/code(\?|$)/);

      // The challenge is still open: the right code finishes the sign-in, and `next` is kept.
      await challenge.enterCode(totp(secret));
      await expect(page).toHaveURL(/\/protected\?from=mfa$/);
      await new Header(page).expectSignedInAs(email);
    });
  });
}

test("a challenge page without a sign-in under way goes back to sign-in", async ({ page }) => {
  for (const path of ["/sign-in/code", "/sign-in/new-password", "/sign-in/authenticator", "/sign-in/choose-method"]) {
    const res = await page.request.get(path, { maxRedirects: 0, headers: { Accept: "text/html" } });
    expect(res.status(), path).toBe(302);
    expect(res.headers()["location"], path).toBe("/sign-in?error=challenge_expired");
  }
  await page.goto("/sign-in/code");
  await expect(page).toHaveURL(/\/sign-in\?error=challenge_expired$/);
  await expect(alerts(page)).toHaveText("Your sign-in took too long and has expired. Please sign in again.");
});

test("a code posted after the challenge cookie is gone goes back to sign-in", async ({ page }) => {
  const email = uniqueEmail("totp-expired");
  await confirmedUser(email, PASSWORD);
  const secret = await enableTotp(email, PASSWORD);
  const signIn = new SignInPage(page);
  await signIn.goto();
  await signIn.signIn(email, PASSWORD);
  await expect(page).toHaveURL(/\/sign-in\/code$/);
  await hydrated(page);
  // As if the 3 minutes had passed: the browser drops the cookie when its Max-Age runs out.
  const cookies = await page.context().cookies();
  await page.context().clearCookies();
  await page.context().addCookies(cookies.filter((c) => !c.name.endsWith("lc-sign-in")));
  await new ChallengePage(page).enterCode(totp(secret));
  await expect(page).toHaveURL(/\/sign-in\?error=challenge_expired$/);
  await expect(alerts(page)).toHaveText("Your sign-in took too long and has expired. Please sign in again.");
});
