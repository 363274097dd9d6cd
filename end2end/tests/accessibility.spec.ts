import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { confirmedUser, enableTotp, invite } from "./cognito-local";
import { EN, JA, PASSWORD, SignInPage, SignUpPage, alerts, hydrated, signInAs, uniqueEmail } from "./pages";

// Every page passes axe-core (WCAG 2.2 A and AA, and axe's best practices) with no violation:
// as it first renders, and in the states a person reaches (an error after a post, a sign-in
// challenge, signed in), in English and in Japanese. axe is injected by Playwright; the app's
// CSP stays as it is.

const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa", "best-practice"];

async function expectAccessible(page: Page, what: string) {
  const { violations, passes } = await new AxeBuilder({ page }).withTags(TAGS).analyze();
  // axe really ran on a real page: a run that checked nothing would pass anything.
  expect(passes.length, `${what}: axe-core checked nothing`).toBeGreaterThan(10);
  const report = violations.map(
    (v) => `${v.id} (${v.impact}): ${v.help}\n${v.nodes.map((n) => `    ${n.target.join(" ")}`).join("\n")}`,
  );
  expect(report, `${what}: axe-core violations`).toEqual([]);
}

for (const words of [EN, JA]) {
  const locale = words === JA ? "ja-JP" : "en-US";
  test.describe(`in ${locale}`, () => {
    test.use({ locale });

    test("the pages of a visitor", async ({ page }) => {
      for (const path of [
        "/",
        "/sign-up",
        "/confirm?email=ada%40example.com&notice=code_sent",
        "/sign-in",
        "/sign-in?email=ada%40example.com&notice=confirmed",
        "/forgot-password",
        "/forgot-password?step=reset&email=ada%40example.com",
        "/no-such-page",
      ]) {
        await page.goto(path);
        if (path !== "/no-such-page") await hydrated(page);
        await expect(page.locator("html")).toHaveAttribute("lang", words.lang);
        await expectAccessible(page, `${path} (${words.lang})`);
      }
    });

    test("forms showing their errors, with and without JavaScript", async ({ browser }) => {
      for (const js of [true, false]) {
        const how = `${js ? "" : " (no JavaScript)"} (${words.lang})`;
        // axe needs scripts in the page, so "without JavaScript" is the app's own code withheld:
        // the forms post natively and the server answers with the error page, as with no JS.
        const context = await browser.newContext({ locale });
        const page = await context.newPage();
        if (!js) await page.route(/\/pkg\//, (route) => route.abort());
        // Cognito's answer: a banner.
        const signIn = new SignInPage(page, words);
        await signIn.goto("", { js });
        await signIn.signIn(uniqueEmail("a11y-nobody"), "Wrong-Password-1");
        await expect(alerts(page)).toBeVisible();
        await expectAccessible(page, `sign-in refused${how}`);
        // The app's own checks: errors at their fields.
        const signUp = new SignUpPage(page, words);
        await signUp.goto({ js });
        await signUp.signUp(uniqueEmail("a11y-short"), "short");
        await expect(page.locator("#password-error")).toBeVisible();
        await expectAccessible(page, `sign-up with a field error${how}`);
        await context.close();
      }
    });

    test("the challenge pages", async ({ page }) => {
      const invited = uniqueEmail("a11y-invited");
      const signIn = new SignInPage(page, words);
      await signIn.goto();
      await signIn.signIn(invited, invite(invited));
      await expect(page).toHaveURL(/\/sign-in\/new-password$/);
      await hydrated(page);
      await expectAccessible(page, `/sign-in/new-password (${words.lang})`);

      await page.context().clearCookies();
      const withCode = uniqueEmail("a11y-totp");
      await confirmedUser(withCode, PASSWORD);
      await enableTotp(withCode, PASSWORD);
      await signIn.goto();
      await signIn.signIn(withCode, PASSWORD);
      await expect(page).toHaveURL(/\/sign-in\/code$/);
      await hydrated(page);
      await expectAccessible(page, `/sign-in/code (${words.lang})`);
    });

    test("the pages of a signed-in person", async ({ page }) => {
      const email = uniqueEmail("a11y-member");
      await confirmedUser(email, PASSWORD);
      await signInAs(page, email, PASSWORD, { words });
      await hydrated(page);
      await expect(page.getByRole("main")).toContainText(email);
      await expectAccessible(page, `/protected (${words.lang})`);
      await page.goto("/account");
      await hydrated(page);
      await expectAccessible(page, `/account (${words.lang})`);
    });
  });
}
