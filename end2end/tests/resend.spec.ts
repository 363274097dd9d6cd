import { expect, test } from "@playwright/test";
import { confirmationCode } from "./cognito-local";
import { ConfirmPage, PASSWORD, SignUpPage, uniqueEmail } from "./pages";

// "Send a new code" (ResendConfirmationCode) where the emulator has it: ministack, with an app
// client with a secret, which checks the call's SECRET_HASH (cognito-local has no such call:
// errors.spec shows its message there).

test("a new confirmation code is sent, and confirms the account", async ({ page }) => {
  const email = uniqueEmail("resend-secret");
  const signUp = new SignUpPage(page);
  await signUp.goto();
  await signUp.signUp(email, PASSWORD);
  await expect(page).toHaveURL(/\/confirm\?/);
  await page.getByRole("button", { name: "Send a new code" }).click();
  await expect(page.getByRole("status")).toContainText("We sent a new code. Check your e-mail.");
  await new ConfirmPage(page).confirmAndContinue(await confirmationCode(email));
});
