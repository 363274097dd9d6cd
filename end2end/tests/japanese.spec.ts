import { expect, test } from "@playwright/test";
import { attribute, confirmedUser, lastDelivery } from "./cognito-local";
import {
  AccountPage,
  EN,
  ForgotPasswordPage,
  Header,
  JA,
  PASSWORD,
  SignInPage,
  SignUpPage,
  alerts,
  hydrated,
  signInAs,
  uniqueEmail,
} from "./pages";
import { wholeScenario } from "./scenario";

// The app in Japanese: chosen by the browser's languages (Playwright's `locale` sets
// Accept-Language), or by the header's switch, which wins over them and works without
// JavaScript. The server renders the page in the language; the islands speak the same one.

test.describe("a browser that prefers Japanese", () => {
  test.use({ locale: "ja-JP" });

  test("the whole scenario in Japanese", async ({ page }) => {
    await wholeScenario(page, "code", JA);
  });

  test("the forms' live parts speak Japanese", async ({ page }) => {
    const signUp = new SignUpPage(page, JA);
    await signUp.goto();
    await expect(page).toHaveTitle("新規登録 · leptos-cognito");
    // The checklist follows typing, in the page's language.
    await signUp.password().fill("abc");
    const rules = signUp.rules();
    await expect(rules.getByRole("listitem").filter({ hasText: "8文字以上" })).toHaveAttribute("data-met", "false");
    await expect(rules.getByRole("listitem").filter({ hasText: "英小文字を含む" })).toHaveAttribute("data-met", "true");
    await expect(rules.getByRole("listitem").filter({ hasText: "英小文字を含む" })).toContainText("（満たしています）");
    // The show/hide button says what it will do.
    await page.getByRole("button", { name: "表示" }).click();
    await expect(signUp.password()).toHaveAttribute("type", "text");
    await expect(page.getByRole("button", { name: "隠す" })).toHaveAttribute("aria-pressed", "true");
    // An error an island gets back from its server function, in Japanese.
    await signUp.signUp(uniqueEmail("ja-weak"), "abc");
    await expect(page.locator("#password-error")).toHaveText("パスワードが下記の条件を満たしていません。");
    await expect(page).toHaveURL(/\/sign-up$/);
  });

  test("the account page in Japanese", async ({ page }) => {
    const email = uniqueEmail("ja-account");
    await confirmedUser(email, PASSWORD);
    await signInAs(page, email, PASSWORD, { words: JA });
    await page.goto("/account");
    await expect(page.getByRole("heading", { name: "アカウント", level: 1 })).toBeVisible();
    await hydrated(page);
    await page.getByLabel("お名前", { exact: true }).fill("山田 花子");
    await page.getByRole("button", { name: "お名前を保存" }).click();
    await expect(page.getByRole("status").filter({ hasText: /\S/ })).toHaveText("お名前を保存しました。");
    await expect(new AccountPage(page).name()).toHaveText("山田 花子");
    await expect(new AccountPage(page).twoStep()).toHaveText("無効");
  });
});

test.describe("without JavaScript, a browser that prefers Japanese", () => {
  test.use({ locale: "ja-JP", javaScriptEnabled: false });

  test("gets the error of a form post in Japanese, with what was typed kept", async ({ page }) => {
    const email = uniqueEmail("ja-nojs");
    const signIn = new SignInPage(page, JA);
    await signIn.goto("", { js: false });
    await signIn.signIn(email, PASSWORD);
    await expect(page).toHaveURL(/\/sign-in\?error=invalid_credentials/);
    await expect(page.locator("html")).toHaveAttribute("lang", "ja");
    await expect(alerts(page)).toHaveText("メールアドレスまたはパスワードが正しくありません。");
    await expect(signIn.email()).toHaveValue(email);
  });
});

for (const js of [true, false]) {
  test.describe(js ? "the language switch" : "the language switch without JavaScript", () => {
    test.use({ locale: "en-US", javaScriptEnabled: js });

    test("goes to Japanese and back, on the same page, over the browser's languages", async ({ page }) => {
      const email = uniqueEmail("switch");
      await page.goto(`/sign-in?email=${encodeURIComponent(email)}`);
      if (js) await hydrated(page);
      const header = new Header(page, EN);
      await expect(header.language("English")).toHaveAttribute("aria-pressed", "true");
      await header.language("日本語").click();

      await expect(page).toHaveURL(`/sign-in?email=${encodeURIComponent(email)}`);
      await expect(page.locator("html")).toHaveAttribute("lang", "ja");
      await expect(page).toHaveTitle("サインイン · leptos-cognito");
      await expect(page.getByRole("heading", { name: "サインイン", level: 1 })).toBeVisible();
      await expect(new SignInPage(page, JA).email()).toHaveValue(email);
      await expect(header.language("日本語")).toHaveAttribute("aria-pressed", "true");
      // The choice stays for the next pages, though the browser asks for English.
      await page.goto("/sign-up");
      await expect(page.getByRole("heading", { name: "アカウントを作成", level: 1 })).toBeVisible();
      if (js) await hydrated(page);

      await new Header(page, JA).language("English").click();
      await expect(page).toHaveURL(/\/sign-up$/);
      await expect(page.locator("html")).toHaveAttribute("lang", "en");
      await expect(page.getByRole("heading", { name: "Create an account", level: 1 })).toBeVisible();
    });
  });
}

test.describe("a signed-in person who switches to Japanese", () => {
  test.use({ locale: "en-US" });

  test("gets Cognito's e-mails in Japanese from then on", async ({ page }) => {
    const email = uniqueEmail("switch-locale");
    await confirmedUser(email, PASSWORD);
    await signInAs(page, email, PASSWORD);
    expect(await attribute(email, "locale")).not.toBe("ja");
    await hydrated(page);
    await new Header(page, EN).language("日本語").click();
    await expect(page).toHaveURL(/\/protected$/);
    await expect(page.getByRole("heading", { name: "保護されたページ", level: 1 })).toBeVisible();
    // The choice is in the account, where the CustomMessage Lambda reads it.
    await expect.poll(() => attribute(email, "locale")).toBe("ja");
    await new Header(page, JA).signOut();
    await new ForgotPasswordPage(page, JA).requestCode(email);
    await expect.poll(async () => (await lastDelivery(email)).subject).toBe("【leptos-cognito】パスワード再設定のご案内");
  });
});
