import { expect, type Locator, type Page } from "@playwright/test";

// Page objects: one per page of the scenario, found by role and label as a person would.

export const PASSWORD = "Correct-Horse-9";

/** What a person reads, in each language of the app: the page objects find things by it. */
export type Words = typeof EN;

export const EN = {
  lang: "en",
  nav: "Account",
  signedInAs: (email: string) => `Signed in as ${email}`,
  signIn: "Sign in",
  signUp: "Sign up",
  signOut: "Sign out",
  email: "E-mail",
  password: "Password",
  name: "Name (optional)",
  rules: "Password requirements",
  confirmationCode: "Confirmation code",
  confirm: "Confirm",
  sendResetCode: "Send a reset code",
  resetSent: (email: string) => `If ${email} has an account`,
  resetCode: "Reset code",
  newPassword: "New password",
  setNewPassword: "Set the new password",
  callAgain: "Call the API again",
  account: "Your account",
  codeSent: (email: string) => `sent a 6-digit code to ${email}`,
  accountConfirmed: "Your account is confirmed",
  protectedPage: "Protected page",
  notRefreshed: "not yet",
  expired: / s ago$/,
  refreshedAgo: /^\d+ s ago$/,
  expiresIn: /^in \d+ s$/,
};

export const JA: Words = {
  lang: "ja",
  nav: "アカウント",
  signedInAs: (email: string) => `${email} でサインイン中`,
  signIn: "サインイン",
  signUp: "登録する",
  signOut: "サインアウト",
  email: "メールアドレス",
  password: "パスワード",
  name: "お名前（任意）",
  rules: "パスワードの条件",
  confirmationCode: "確認コード",
  confirm: "確認する",
  sendResetCode: "再設定コードを送信",
  resetSent: (email: string) => `${email} のアカウントが存在する場合は`,
  resetCode: "再設定コード",
  newPassword: "新しいパスワード",
  setNewPassword: "新しいパスワードを設定",
  callAgain: "もう一度 API を呼び出す",
  account: "アカウント",
  codeSent: (email: string) => `${email} に6桁のコードを送信しました`,
  accountConfirmed: "アカウントの確認が完了しました",
  protectedPage: "保護されたページ",
  notRefreshed: "まだ更新していません",
  expired: /秒前$/,
  refreshedAgo: /^\d+秒前$/,
  expiresIn: /^あと\d+秒$/,
};

let counter = 0;
/** An e-mail address no other test (or earlier run) uses. */
export function uniqueEmail(tag: string): string {
  counter += 1;
  return `${tag}-${Date.now().toString(36)}-${process.pid}-${counter}@example.com`;
}

/**
 * Waits until the page is live: the wasm has hydrated its islands, or — a page without an
 * island loads no wasm — the server marked it so. A page with an island must load the wasm.
 */
export async function hydrated(page: Page) {
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true", { timeout: 30_000 });
  if ((await page.locator("leptos-island").count()) > 0) {
    expect(await page.locator('link[rel="modulepreload"]').count(), "a page with an island loads the wasm").toBeGreaterThan(0);
  }
}

export class Header {
  constructor(
    private page: Page,
    private w: Words = EN,
  ) {}
  nav(): Locator {
    return this.page.getByRole("navigation", { name: this.w.nav });
  }
  async expectSignedInAs(email: string) {
    await expect(this.nav()).toContainText(this.w.signedInAs(email));
  }
  async expectSignedOut() {
    await expect(this.nav().getByRole("link", { name: this.w.signIn })).toBeVisible();
  }
  async signOut() {
    await this.nav().getByRole("button", { name: this.w.signOut }).click();
  }
  /** The language switch: a button per language, named in that language. */
  language = (name: "English" | "日本語") =>
    this.page.getByRole("form", { name: /^(Language|言語)$/ }).getByRole("button", { name, exact: true });
}

export class SignUpPage {
  constructor(
    private page: Page,
    private w: Words = EN,
  ) {}
  email = () => this.page.getByLabel(this.w.email);
  password = () => this.page.getByLabel(this.w.password, { exact: true });
  name = () => this.page.getByLabel(this.w.name);
  rules = () => this.page.getByRole("list", { name: this.w.rules });
  async goto(opts: { js?: boolean } = {}) {
    await this.page.goto("/sign-up");
    if (opts.js !== false) await hydrated(this.page);
  }
  async signUp(email: string, password: string, name = "") {
    await this.email().fill(email);
    await this.password().fill(password);
    if (name) await this.name().fill(name);
    await this.page.getByRole("button", { name: this.w.signUp }).click();
  }
}

export class ConfirmPage {
  constructor(
    private page: Page,
    private w: Words = EN,
  ) {}
  email = () => this.page.getByLabel(this.w.email);
  code = () => this.page.getByLabel(this.w.confirmationCode);
  async confirm(code: string) {
    await this.code().fill(code);
    await this.page.getByRole("button", { name: this.w.confirm }).click();
  }
  /** Confirms and waits for the sign-in page the server sends the person on to. */
  async confirmAndContinue(code: string) {
    await this.confirm(code);
    await expect(this.page).toHaveURL(/\/sign-in\?/);
  }
}

export class SignInPage {
  constructor(
    private page: Page,
    private w: Words = EN,
  ) {}
  email = () => this.page.getByLabel(this.w.email);
  password = () => this.page.getByLabel(this.w.password, { exact: true });
  async goto(query = "", opts: { js?: boolean } = {}) {
    await this.page.goto(`/sign-in${query}`);
    if (opts.js !== false) await hydrated(this.page);
  }
  async signIn(email: string, password: string) {
    await this.email().fill(email);
    await this.password().fill(password);
    await this.page.getByRole("main").getByRole("button", { name: this.w.signIn, exact: true }).click();
  }
}

export class ForgotPasswordPage {
  constructor(
    private page: Page,
    private w: Words = EN,
  ) {}
  /** Asks for a reset code; the answer is the same whether or not the account exists. */
  async requestCode(email: string) {
    await this.page.goto("/forgot-password");
    await hydrated(this.page);
    await this.page.getByLabel(this.w.email).fill(email);
    await this.page.getByRole("button", { name: this.w.sendResetCode }).click();
    await expect(this.page).toHaveURL(/step=reset/);
    await expect(this.page.getByRole("status")).toContainText(this.w.resetSent(email));
    await hydrated(this.page);
  }
  async reset(code: string, password: string) {
    await this.page.getByLabel(this.w.resetCode).fill(code);
    await this.page.getByLabel(this.w.newPassword, { exact: true }).fill(password);
    await this.page.getByRole("button", { name: this.w.setNewPassword }).click();
  }
}

export class ProtectedPage {
  constructor(
    private page: Page,
    private w: Words = EN,
  ) {}
  answer = () => this.page.getByRole("definition");
  apiEmail = () => this.page.getByTestId("api-email");
  apiSub = () => this.page.getByTestId("api-sub");
  expiry = () => this.page.getByTestId("api-expiry");
  refreshed = () => this.page.getByTestId("api-refreshed");
  async callAgain() {
    await this.page.getByRole("button", { name: this.w.callAgain }).click();
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
export async function signInAs(
  page: Page,
  email: string,
  password: string,
  opts: { js?: boolean; words?: Words } = {},
) {
  const signIn = new SignInPage(page, opts.words);
  await signIn.goto("", opts);
  await signIn.signIn(email, password);
  await expect(page).toHaveURL(/\/protected$/);
}
