import { expect, test } from "@playwright/test";
import { confirmationCode, lastDelivery, squash } from "./cognito-local";
import { ConfirmPage, ForgotPasswordPage, JA, PASSWORD, SignUpPage, uniqueEmail } from "./pages";

// Cognito's e-mails come from the CustomMessage Lambda (lambda/custom-message, run by
// `cargo lambda watch`, called by cognito-local as the real trigger), in the language the person
// signed up in: the app stores it in the `locale` attribute.

test.describe("a browser that prefers Japanese", () => {
  test.use({ locale: "ja-JP" });

  test("gets the sign-up code and the password-reset code in Japanese", async ({ page }) => {
    const email = uniqueEmail("ja-mail");
    const signUp = new SignUpPage(page, JA);
    await signUp.goto();
    await signUp.signUp(email, PASSWORD);
    await expect(page).toHaveURL(/\/confirm\?/);

    const welcome = await lastDelivery(email);
    expect(welcome.subject).toBe("【leptos-cognito】メールアドレスの確認コード");
    // The code Cognito put in the e-mail is the one it will accept.
    const code = await confirmationCode(email);
    expect(welcome.code).toBe(code);
    expect(welcome.text).toContain(`確認コードは${code}です。`);
    // The link goes to this app's confirmation page (APP_URL of the Lambda).
    expect(squash(welcome.message)).toContain(squash(`href="${new URL("/confirm", page.url()).href}"`));

    await new ConfirmPage(page, JA).confirm(code);
    await expect(page).toHaveURL(/\/sign-in\?/);

    // Later e-mails follow the account.
    await new ForgotPasswordPage(page, JA).requestCode(email);
    await expect.poll(async () => (await lastDelivery(email)).subject).toBe("【leptos-cognito】パスワード再設定のご案内");
  });
});

test.describe("a browser that prefers English", () => {
  test.use({ locale: "en-GB" });

  test("gets the sign-up code in English", async ({ page }) => {
    const email = uniqueEmail("en-mail");
    const signUp = new SignUpPage(page);
    await signUp.goto();
    await signUp.signUp(email, PASSWORD);
    await expect(page).toHaveURL(/\/confirm\?/);
    const welcome = await lastDelivery(email);
    expect(welcome.subject).toBe("Your leptos-cognito confirmation code");
    expect(welcome.text).toContain(squash(`Your confirmation code is ${await confirmationCode(email)}.`));
  });
});
