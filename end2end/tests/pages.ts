import { expect, type Locator, type Page } from "@playwright/test";

// Page objects: one per page of the scenario, found by role and label as a person would.

export const PASSWORD = "Correct-Horse-9";

let counter = 0;
/** An e-mail address no other test (or earlier run) uses. */
export function uniqueEmail(tag: string): string {
  counter += 1;
  return `${tag}-${Date.now().toString(36)}-${process.pid}-${counter}@example.com`;
}

/** Waits until the wasm has taken over the server-rendered page. */
export async function hydrated(page: Page) {
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true", { timeout: 30_000 });
}

export class Header {
  constructor(private page: Page) {}
  nav(): Locator {
    return this.page.getByRole("navigation", { name: "Account" });
  }
  async expectSignedInAs(email: string) {
    await expect(this.nav()).toContainText(`Signed in as ${email}`);
  }
  async expectSignedOut() {
    await expect(this.nav().getByRole("link", { name: "Sign in" })).toBeVisible();
  }
  async signOut() {
    await this.nav().getByRole("button", { name: "Sign out" }).click();
  }
}

export class SignUpPage {
  constructor(private page: Page) {}
  email = () => this.page.getByLabel("E-mail");
  password = () => this.page.getByLabel("Password", { exact: true });
  name = () => this.page.getByLabel("Name (optional)");
  rules = () => this.page.getByRole("list", { name: "Password requirements" });
  async goto(opts: { js?: boolean } = {}) {
    await this.page.goto("/sign-up");
    if (opts.js !== false) await hydrated(this.page);
  }
  async signUp(email: string, password: string, name = "") {
    await this.email().fill(email);
    await this.password().fill(password);
    if (name) await this.name().fill(name);
    await this.page.getByRole("button", { name: "Sign up" }).click();
  }
}

export class ConfirmPage {
  constructor(private page: Page) {}
  email = () => this.page.getByLabel("E-mail");
  code = () => this.page.getByLabel("Confirmation code");
  async confirm(code: string) {
    await this.code().fill(code);
    await this.page.getByRole("button", { name: "Confirm" }).click();
  }
  /** Confirms and waits for the sign-in page the server sends the person on to. */
  async confirmAndContinue(code: string) {
    await this.confirm(code);
    await expect(this.page).toHaveURL(/\/sign-in\?/);
  }
}

export class SignInPage {
  constructor(private page: Page) {}
  email = () => this.page.getByLabel("E-mail");
  password = () => this.page.getByLabel("Password", { exact: true });
  async goto(query = "", opts: { js?: boolean } = {}) {
    await this.page.goto(`/sign-in${query}`);
    if (opts.js !== false) await hydrated(this.page);
  }
  async signIn(email: string, password: string) {
    await this.email().fill(email);
    await this.password().fill(password);
    await this.page.getByRole("main").getByRole("button", { name: "Sign in" }).click();
  }
}

export class ForgotPasswordPage {
  constructor(private page: Page) {}
  /** Asks for a reset code; the answer is the same whether or not the account exists. */
  async requestCode(email: string) {
    await this.page.goto("/forgot-password");
    await hydrated(this.page);
    await this.page.getByLabel("E-mail").fill(email);
    await this.page.getByRole("button", { name: "Send a reset code" }).click();
    await expect(this.page).toHaveURL(/step=reset/);
    await expect(this.page.getByRole("status")).toContainText(`If ${email} has an account`);
    await hydrated(this.page);
  }
  async reset(code: string, password: string) {
    await this.page.getByLabel("Reset code").fill(code);
    await this.page.getByLabel("New password", { exact: true }).fill(password);
    await this.page.getByRole("button", { name: "Set the new password" }).click();
  }
}

export class ProtectedPage {
  constructor(private page: Page) {}
  answer = () => this.page.getByRole("definition");
  apiEmail = () => this.page.getByTestId("api-email");
  apiSub = () => this.page.getByTestId("api-sub");
  expiry = () => this.page.getByTestId("api-expiry");
  refreshed = () => this.page.getByTestId("api-refreshed");
  async callAgain() {
    await this.page.getByRole("button", { name: "Call the API again" }).click();
  }
}

/** Any form error shown to the person, as text. */
export function alerts(page: Page): Locator {
  return page.getByRole("alert").filter({ hasText: /\S/ });
}

/** The pages of a sign-in's second step: a code, a new password, an authenticator set-up. */
export class ChallengePage {
  constructor(private page: Page) {}
  code = () => this.page.getByLabel(/^Code from/);
  async enterCode(code: string) {
    await this.code().fill(code);
    await this.page.getByRole("button", { name: /^(Continue|Turn on and sign in)$/ }).click();
  }
  newPassword = () => this.page.getByLabel("New password", { exact: true });
  async chooseNewPassword(password: string) {
    await this.newPassword().fill(password);
    await this.page.getByRole("button", { name: "Set password and sign in" }).click();
  }
}

/** `/account`, found by headings, labels and button names. */
export class AccountPage {
  constructor(private page: Page) {}
  async goto(opts: { js?: boolean } = {}) {
    await this.page.goto("/account");
    await expect(this.page.getByRole("heading", { name: "Your account", level: 1 })).toBeVisible();
    if (opts.js !== false) await hydrated(this.page);
  }
  notice = () => this.page.getByRole("status").filter({ hasText: /\S/ });
  email = () => this.page.getByTestId("account-email");
  name = () => this.page.getByTestId("account-name");
  twoStep = () => this.page.getByTestId("account-two-step");
  button = (name: string) => this.page.getByRole("button", { name, exact: true });
  async changePassword(current: string, next: string, opts: { everywhere?: boolean } = {}) {
    await this.page.getByLabel("Current password", { exact: true }).fill(current);
    await this.page.getByLabel("New password", { exact: true }).fill(next);
    if (opts.everywhere) await this.page.getByLabel("Sign out my other devices").check();
    await this.button("Change password").click();
  }
  async confirmPassword(password: string) {
    await this.page.getByLabel("Password", { exact: true }).fill(password);
    await this.button("Confirm my password").click();
  }
}

/** Signs in through the form and waits for the protected page. */
export async function signInAs(page: Page, email: string, password: string, opts: { js?: boolean } = {}) {
  const signIn = new SignInPage(page);
  await signIn.goto("", opts);
  await signIn.signIn(email, password);
  await expect(page).toHaveURL(/\/protected$/);
}
