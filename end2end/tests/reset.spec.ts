import { expect, test } from "@playwright/test";
import { confirmationCode } from "./cognito-local";
import { ConfirmPage, ForgotPasswordPage, PASSWORD, SignInPage, SignUpPage, hydrated, uniqueEmail } from "./pages";

// The password reset (ForgotPassword, then ConfirmForgotPassword with the e-mailed code). Run on
// cognito-local and, with an app client with a secret, on ministack too: it checks the
// SECRET_HASH of both calls, which cognito-local ignores.

test("forgot password: a code, a new password, and signing in with it", async ({ page }) => {
  // Signed up and confirmed with the e-mailed code: the address is verified, so a reset code
  // can go to it.
  const email = uniqueEmail("reset");
  const signUp = new SignUpPage(page);
  await signUp.goto();
  await signUp.signUp(email, PASSWORD);
  await expect(page).toHaveURL(/\/confirm\?/);
  await new ConfirmPage(page).confirmAndContinue(await confirmationCode(email));

  const forgot = new ForgotPasswordPage(page);
  await forgot.requestCode(email);
  await forgot.reset("000000", "Another-Horse-7");
  await expect(page.locator("#code-error")).toHaveText("That code is not right. Check the e-mail and try again.");

  await forgot.reset(await confirmationCode(email), "Another-Horse-7");
  await expect(page).toHaveURL(/\/sign-in\?.*notice=password_reset/);
  await hydrated(page);
  await new SignInPage(page).signIn(email, "Another-Horse-7");
  await expect(page).toHaveURL(/\/protected$/);
});
