import { expect, test } from "@playwright/test";
import { confirmationCode } from "./cognito-local";
import { ConfirmPage, Header, PASSWORD, SignInPage, SignUpPage, alerts, uniqueEmail } from "./pages";

test.use({ javaScriptEnabled: false });

test("sign up, confirm, sign in and out with JavaScript disabled", async ({ page }) => {
  const email = uniqueEmail("nojs");
  const signUp = new SignUpPage(page);
  await signUp.goto({ js: false });
  await signUp.signUp(email, PASSWORD);
  await expect(page).toHaveURL(/\/confirm\?/);
  await expect(new ConfirmPage(page).email()).toHaveValue(email);
  await new ConfirmPage(page).confirm(await confirmationCode(email));
  await expect(page).toHaveURL(/\/sign-in\?/);
  await expect(page.getByRole("status")).toContainText("Your account is confirmed");

  const signIn = new SignInPage(page);
  await signIn.signIn(email, PASSWORD);
  await expect(page).toHaveURL(/\/protected$/);
  await new Header(page).expectSignedInAs(email);
  await expect(page.getByRole("heading", { name: "Protected page" })).toBeVisible();

  await new Header(page).signOut();
  await expect(page).toHaveURL(/\/$/);
  await new Header(page).expectSignedOut();
});

test("errors come back to the form without JavaScript, keeping the e-mail", async ({ page }) => {
  const signIn = new SignInPage(page);
  const email = uniqueEmail("nojs-wrong");
  await signIn.goto("", { js: false });
  await signIn.signIn(email, PASSWORD);
  await expect(page).toHaveURL(/\/sign-in\?error=invalid_credentials/);
  await expect(alerts(page)).toHaveText("The e-mail or password is not right.");
  await expect(signIn.email()).toHaveValue(email);

  const signUp = new SignUpPage(page);
  await signUp.goto({ js: false });
  await signUp.signUp(email, "short");
  await expect(page).toHaveURL(/\/sign-up\?error=weak_password/);
  await expect(page.locator("#password-error")).toHaveText("That password does not meet the requirements below.");
  await expect(signUp.email()).toHaveValue(email);
});

test("the protected page redirects to sign-in on the server", async ({ page }) => {
  const res = await page.request.get("/protected", { maxRedirects: 0, headers: { Accept: "text/html" } });
  expect(res.status()).toBe(302);
  expect(res.headers()["location"]).toBe("/sign-in?next=/protected");
  await page.goto("/protected");
  await expect(page).toHaveURL(/\/sign-in\?next=/);
});

test("an oversized form comes back with a clear message without JavaScript", async ({ page }) => {
  const signUp = new SignUpPage(page);
  await signUp.goto({ js: false });
  await signUp.email().evaluate((el) => el.setAttribute("type", "text"));
  await signUp.email().fill(`${"a".repeat(1024 * 1024)}@example.com`);
  await signUp.password().fill(PASSWORD);
  await page.getByRole("button", { name: "Sign up" }).click();
  await expect(page).toHaveURL(/\/sign-up\?error=too_large$/);
  await expect(alerts(page)).toHaveText("That is more than this form accepts. Shorten what you typed and try again.");
});
