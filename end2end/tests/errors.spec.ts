import { expect, test } from "@playwright/test";
import { confirmationCode, confirmedUser } from "./cognito-local";
import { ConfirmPage, PASSWORD, SignInPage, SignUpPage, alerts, uniqueEmail } from "./pages";

test("signing up again with an e-mail that has an account answers as for a new one, and the code still works", async ({ page }) => {
  const email = uniqueEmail("dup");
  const signUp = new SignUpPage(page);
  await signUp.goto();
  await signUp.signUp(email, PASSWORD);
  await expect(page).toHaveURL(/\/confirm\?/);
  const first = page.url();

  // No answer may tell that the address has an account (see enumeration.spec for the timing):
  // the same code page as for a new address, no error next to the e-mail.
  await signUp.goto();
  await signUp.signUp(email, PASSWORD, "Second Try");
  await expect(page).toHaveURL(/\/confirm\?/);
  expect(page.url()).toBe(first);
  await expect(page.getByRole("status")).toContainText(`sent a 6-digit code to ${email}`);
  await expect(alerts(page)).toHaveCount(0);

  // The person who owns it can still confirm it with the code they got.
  await new ConfirmPage(page).confirmAndContinue(await confirmationCode(email));
});

test("a weak password is refused before Cognito, with the rules in view", async ({ page }) => {
  const email = uniqueEmail("weak");
  const signUp = new SignUpPage(page);
  await signUp.goto();
  // The local emulator would accept this; the server enforces the pool's policy itself.
  await signUp.signUp(email, "password");
  await expect(page.locator("#password-error")).toHaveText("That password does not meet the requirements below.");
  await expect(signUp.rules().locator('li[data-met="false"]')).toHaveCount(3);
  await expect(signUp.email()).toHaveValue(email);
});

test("an invalid e-mail gets a human message", async ({ page }) => {
  const signUp = new SignUpPage(page);
  await signUp.goto();
  // `type=email` would stop the browser from sending this; the server must still answer well.
  await signUp.email().evaluate((el) => el.setAttribute("type", "text"));
  await signUp.signUp("not-an-address", PASSWORD);
  await expect(page.locator("#email-error")).toHaveText("Enter a valid e-mail address, like name@example.com.");
});

test("a wrong confirmation code is refused, the right one then works", async ({ page }) => {
  const email = uniqueEmail("code");
  await new SignUpPage(page).goto();
  await new SignUpPage(page).signUp(email, PASSWORD);
  await expect(page).toHaveURL(/\/confirm\?/);
  const code = await confirmationCode(email);
  const wrong = code === "000000" ? "111111" : "000000";
  const confirm = new ConfirmPage(page);
  await confirm.confirm(wrong);
  await expect(page.locator("#code-error")).toHaveText("That code is not right. Check the e-mail and try again.");
  await confirm.code().fill("12ab");
  await page.getByRole("button", { name: "Confirm" }).click();
  await expect(page.locator("#code-error")).toHaveText("Enter the 6-digit code from the e-mail.");
  await confirm.confirm(code);
  await expect(page).toHaveURL(/\/sign-in\?/);
});

test("resending a code on the emulator shows a human message, not an error page", async ({ page }) => {
  const email = uniqueEmail("resend");
  await new SignUpPage(page).goto();
  await new SignUpPage(page).signUp(email, PASSWORD);
  await expect(page).toHaveURL(/\/confirm\?/);
  await page.getByRole("button", { name: "Send a new code" }).click();
  await expect(alerts(page)).toHaveText("We could not send a new code right now. Please try again in a few minutes.");
});

test("a wrong password and an unknown user get the same message", async ({ page }) => {
  const email = uniqueEmail("pw");
  await confirmedUser(email, PASSWORD);

  const signIn = new SignInPage(page);
  await signIn.goto();
  await signIn.signIn(email, "Wrong-Horse-9");
  const wrongPassword = await alerts(page).textContent();
  expect(wrongPassword).toBe("The e-mail or password is not right.");

  await signIn.goto();
  await signIn.signIn(uniqueEmail("nobody"), PASSWORD);
  await expect(alerts(page)).toHaveText(wrongPassword!);
  await expect(page).toHaveURL(/\/sign-in/);
});

test("an unconfirmed account is led to the code step", async ({ page }) => {
  const email = uniqueEmail("unconfirmed");
  await new SignUpPage(page).goto();
  await new SignUpPage(page).signUp(email, PASSWORD);
  await expect(page).toHaveURL(/\/confirm\?/);
  const signIn = new SignInPage(page);
  await signIn.goto();
  await signIn.signIn(email, PASSWORD);
  await expect(page).toHaveURL(/\/confirm\?.*notice=not_confirmed/);
  await expect(page.getByRole("status")).toContainText("not confirmed yet");
  await expect(new ConfirmPage(page).email()).toHaveValue(email);
});

for (const next of ["//evil.example/", "https://evil.example/", "/\\evil.example"]) {
  test(`sign-in ignores an off-site next=${next}`, async ({ page }) => {
    const email = uniqueEmail("next");
    await confirmedUser(email, PASSWORD);
    const signIn = new SignInPage(page);
    await signIn.goto(`?next=${encodeURIComponent(next)}`);
    await signIn.signIn(email, PASSWORD);
    await expect(page).toHaveURL(/^http:\/\/127\.0\.0\.1:\d+\/protected$/);
  });
}

test("the API refuses a request without a token, RFC 6750 style", async ({ request }) => {
  const res = await request.get("/api/me");
  expect(res.status()).toBe(401);
  expect(res.headers()["www-authenticate"]).toBe('Bearer realm="leptos-cognito"');
  expect(await res.json()).toEqual({
    error: "missing_token",
    error_description: "send an access token as `Authorization: Bearer <token>`",
  });
  const bad = await request.get("/api/me", { headers: { Authorization: "Bearer not.a.jwt" } });
  expect(bad.status()).toBe(401);
  expect(bad.headers()["www-authenticate"]).toContain('error="invalid_token"');
});

test("a cross-site post to a server function is refused", async ({ request }) => {
  const res = await request.post("/auth/sign-in", {
    headers: { Origin: "https://evil.example", "Sec-Fetch-Site": "cross-site" },
    form: { email: "a@example.com", password: PASSWORD },
  });
  expect(res.status()).toBe(403);
});

test("an oversized post is refused before it is read", async ({ request }) => {
  // Just over the 64 KiB limit: a far larger body is refused the same way, but the server
  // closes the connection before the client has finished writing it (EPIPE on this side).
  const res = await request.post("/auth/sign-in", {
    headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
    data: `email=${"a".repeat(80 * 1024)}@example.com&password=x`,
  });
  expect(res.status()).toBe(413);
  expect(await res.json()).toEqual({
    error: "too_large",
    message: "That is more than this form accepts. Shorten what you typed and try again.",
  });
});

test("a one-megabyte e-mail gets a clear message, not an error page", async ({ page }) => {
  const signUp = new SignUpPage(page);
  await signUp.goto();
  await signUp.email().evaluate((el) => el.setAttribute("type", "text"));
  await signUp.email().fill(`${"a".repeat(1024 * 1024)}@example.com`);
  await signUp.password().fill(PASSWORD);
  await page.getByRole("button", { name: "Sign up" }).click();
  await expect(alerts(page)).toHaveText("That is more than this form accepts. Shorten what you typed and try again.");
  await expect(page).toHaveURL(/\/sign-up$/);
});

test("a long but bounded e-mail gets the e-mail message", async ({ page }) => {
  const signUp = new SignUpPage(page);
  await signUp.goto();
  await signUp.email().evaluate((el) => el.setAttribute("type", "text"));
  await signUp.email().fill(`${"a".repeat(40 * 1024)}@example.com`);
  await signUp.password().fill(PASSWORD);
  await page.getByRole("button", { name: "Sign up" }).click();
  await expect(page.locator("#email-error")).toHaveText("Enter a valid e-mail address, like name@example.com.");
});
