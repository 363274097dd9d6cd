import AxeBuilder from "@axe-core/playwright";
import { expect, test, type BrowserContext, type Page } from "@playwright/test";
import { confirmedUser, signInCode } from "./cognito-local";
import { Header, JA, PASSWORD, SignInPage, hydrated, uniqueEmail } from "./pages";

// Passkeys and e-mail codes (Cognito's USER_AUTH), in a real browser with real WebAuthn:
// Chromium's virtual authenticator (the DevTools protocol's WebAuthn domain) makes and uses the
// passkeys, and the test double in front of cognito-local (end2end/doubles/cognito-webauthn.mjs)
// checks them with @simplewebauthn/server where Cognito would check them itself. The app runs at
// http://localhost (the relying party; WebAuthn takes no IP address).

type Authenticator = { id: string; cdp: Awaited<ReturnType<BrowserContext["newCDPSession"]>> };

/** A platform authenticator (like Touch ID) with resident keys and user verification. */
async function authenticator(page: Page, opts: { verified?: boolean } = {}): Promise<Authenticator> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: opts.verified ?? true,
      automaticPresenceSimulation: true,
    },
  });
  return { id: authenticatorId, cdp };
}

async function credentials(a: Authenticator) {
  return (await a.cdp.send("WebAuthn.getCredentials", { authenticatorId: a.id })).credentials;
}

const passkeyButton = (page: Page) => page.getByRole("button", { name: "Sign in with a passkey", exact: true });

/** A confirmed account, signed in with its password, with one passkey added on /account. */
async function withPasskey(page: Page, tag: string) {
  const email = uniqueEmail(tag);
  await confirmedUser(email, PASSWORD);
  const device = await authenticator(page);
  const signIn = new SignInPage(page);
  await signIn.goto();
  await signIn.signIn(email, PASSWORD);
  await expect(page).toHaveURL(/\/protected$/);
  await page.goto("/account");
  await hydrated(page);
  await expect(page.getByTestId("no-passkeys")).toHaveText("You have no passkeys yet.");
  await page.getByRole("button", { name: "Add a passkey", exact: true }).click();
  await expect(page).toHaveURL(/notice=passkey_added/);
  await expect(page.getByRole("status")).toContainText("Your passkey is added");
  const listed = page.getByTestId("passkey");
  await expect(listed).toHaveCount(1);
  await expect(listed).toContainText("Built into a device");
  expect(await credentials(device)).toHaveLength(1);
  return { email, device };
}

async function signOut(page: Page) {
  await new Header(page).signOut();
  await expect(page).toHaveURL(/\/$/);
}

/** The page holds no Cognito token anywhere JavaScript can read. */
async function noTokenInTheBrowser(page: Page) {
  const readable = await page.evaluate(() => JSON.stringify({ c: document.cookie, l: { ...localStorage }, s: { ...sessionStorage } }));
  expect(readable).not.toMatch(/eyJ[\w-]+\.eyJ/);
}

test("a passkey added on the account page signs in with one tap, and the session is the server's", async ({ page }) => {
  const { email } = await withPasskey(page, "passkey");
  await signOut(page);

  const signIn = new SignInPage(page);
  await signIn.goto();
  await signIn.email().fill(email);
  await passkeyButton(page).click();
  await expect(page).toHaveURL(/\/protected$/);
  await new Header(page).expectSignedInAs(email);
  await noTokenInTheBrowser(page);

  // The sessions list says how this browser signed in.
  await page.goto("/account");
  await expect(page.getByTestId("session").filter({ hasText: "This browser" })).toContainText("Passkey");
});

test("the browser's passkey autofill signs in once the e-mail is known", async ({ page }) => {
  const { email } = await withPasskey(page, "autofill");
  await signOut(page);
  // Cognito starts a passkey sign-in for a named account: the e-mail comes first (typed, then
  // the field left), then the browser offers the passkey and the virtual authenticator, which
  // answers every request at once, takes it.
  const signIn = new SignInPage(page);
  await signIn.goto();
  await expect(signIn.email()).toHaveAttribute("autocomplete", "username webauthn");
  // An address a link filled in starts nothing on its own: no options are asked for.
  const asked: string[] = [];
  page.on("request", (r) => r.url().includes("/auth/passkey-options") && asked.push(r.url()));
  await page.goto(`/sign-in?email=${encodeURIComponent(email)}`);
  await hydrated(page);
  await page.waitForTimeout(500);
  expect(asked).toEqual([]);
  await expect(page).toHaveURL(/\/sign-in\?email=/);
  // Nothing is clicked: the conditional request, once the person has put the address there,
  // signs in.
  // (Emptied and left first: a field left with the value it had when entered fires no change.)
  await signIn.email().fill("");
  await signIn.email().blur();
  await signIn.email().fill(email);
  await signIn.email().blur();
  await expect(page).toHaveURL(/\/protected$/);
  await new Header(page).expectSignedInAs(email);
});

test("a removed passkey no longer signs in, and the person is told what to do", async ({ page }) => {
  const { email } = await withPasskey(page, "removed");
  await page.getByRole("button", { name: "Remove Passkey 1", exact: true }).click();
  await expect(page).toHaveURL(/notice=passkey_deleted/);
  await expect(page.getByTestId("passkey")).toHaveCount(0);
  await signOut(page);

  const signIn = new SignInPage(page);
  await signIn.goto();
  await signIn.email().fill(email);
  await passkeyButton(page).click();
  await expect(page).toHaveURL(/error=no_passkey/);
  await expect(page.getByRole("alert").filter({ hasText: /\S/ })).toHaveText(
    "No passkey can be used for this e-mail address. Sign in with an e-mail code or your password, then add a passkey on your account page.",
  );
  // What was typed is kept.
  await expect(signIn.email()).toHaveValue(email);
});

test("a passkey used without the device's user verification is refused", async ({ page }) => {
  const { email, device } = await withPasskey(page, "no-uv");
  await signOut(page);
  await device.cdp.send("WebAuthn.setUserVerified", { authenticatorId: device.id, isUserVerified: false });
  // The options ask for user verification, so the browser itself refuses the unverified device.
  const signIn = new SignInPage(page);
  await signIn.goto();
  await signIn.email().fill(email);
  await passkeyButton(page).click();
  await expect(page).toHaveURL(/error=passkey_cancelled/);
  await expect(page.getByRole("alert").filter({ hasText: /\S/ })).toContainText("this device has no passkey for this site");
  // And were the options altered to let it through, the relying party's check refuses the answer.
  await page.route("**/auth/passkey-options", async (route) => {
    const response = await route.fetch();
    if (!response.ok()) return route.fulfill({ response });
    const options = JSON.parse(JSON.parse(await response.text()));
    options.userVerification = "discouraged";
    await route.fulfill({ response, body: JSON.stringify(JSON.stringify(options)) });
  });
  await hydrated(page);
  await passkeyButton(page).click();
  await expect(page).toHaveURL(/error=passkey_refused/);
  await expect(page.getByRole("alert").filter({ hasText: /\S/ })).toContainText("your device did not confirm it was you");
});

test("a passkey answer from another origin is refused", async ({ page }) => {
  const { email } = await withPasskey(page, "origin");
  await signOut(page);
  // What a phishing page relaying the ceremony would send: the browser signed for another origin.
  await page.route("**/auth/passkey-sign-in", async (route) => {
    const form = new URLSearchParams(route.request().postData() ?? "");
    const credential = JSON.parse(form.get("credential") ?? "{}");
    const client = JSON.parse(Buffer.from(credential.response.clientDataJSON, "base64url").toString());
    client.origin = "https://login.example-phish.com";
    credential.response.clientDataJSON = Buffer.from(JSON.stringify(client)).toString("base64url");
    form.set("credential", JSON.stringify(credential));
    await route.continue({ postData: form.toString() });
  });
  const signIn = new SignInPage(page);
  await signIn.goto();
  await signIn.email().fill(email);
  await passkeyButton(page).click();
  await expect(page).toHaveURL(/error=passkey_wrong_site/);
  await expect(page.getByRole("alert").filter({ hasText: /\S/ })).toContainText("belongs to a different web address");
  await expect(new Header(page).nav().getByRole("link", { name: "Sign in" })).toBeVisible();
});

test("an e-mailed code signs in without a password, after a wrong one", async ({ page }) => {
  const email = uniqueEmail("email-code");
  await confirmedUser(email, PASSWORD);
  const signIn = new SignInPage(page);
  await signIn.goto();
  await signIn.email().fill(email);
  await page.getByRole("button", { name: "E-mail me a code", exact: true }).click();
  await expect(page).toHaveURL(/\/sign-in\/code$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Enter your sign-in code");
  const code = await signInCode(email);
  await hydrated(page);
  const field = page.getByLabel("Code from the e-mail");
  await field.fill(code === "00000000" ? "11111111" : "00000000");
  await page.getByRole("button", { name: "Continue", exact: true }).click();
  await expect(page.getByText("That code is not right")).toBeVisible();
  await field.fill(code);
  await page.getByRole("button", { name: "Continue", exact: true }).click();
  await expect(page).toHaveURL(/\/protected$/);
  await new Header(page).expectSignedInAs(email);
  await page.goto("/account");
  await expect(page.getByTestId("session").filter({ hasText: "This browser" })).toContainText("E-mail code");
});

test("without JavaScript the page says passkeys need it, and the e-mail code still works", async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  const email = uniqueEmail("email-code-no-js");
  await confirmedUser(email, PASSWORD);
  await page.goto("/sign-in");
  await expect(page.getByText("Signing in with a passkey needs JavaScript and a browser with passkeys. You can sign in with an e-mail code or your password.")).toBeVisible();
  await expect(passkeyButton(page)).toBeHidden();
  await page.getByLabel("E-mail").fill(email);
  await page.getByRole("button", { name: "E-mail me a code", exact: true }).click();
  await expect(page).toHaveURL(/\/sign-in\/code$/);
  await page.getByLabel("Code from the e-mail").fill(await signInCode(email));
  await page.getByRole("button", { name: "Continue", exact: true }).click();
  await expect(page).toHaveURL(/\/protected$/);
  await context.close();
});

const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa", "best-practice"];

async function expectAccessible(page: Page, what: string) {
  const { violations, passes } = await new AxeBuilder({ page }).withTags(TAGS).analyze();
  expect(passes.length, `${what}: axe-core checked nothing`).toBeGreaterThan(10);
  expect(violations.map((v) => `${v.id}: ${v.help} ${v.nodes.map((n) => n.target).join(" ")}`), what).toEqual([]);
}

test("the sign-in page and the account's passkeys pass axe (en)", async ({ page }) => {
  await withPasskey(page, "a11y-en");
  await expectAccessible(page, "/account with a passkey (en)");
  await signOut(page);
  await page.goto("/sign-in");
  await hydrated(page);
  await expectAccessible(page, "/sign-in (en)");
});

test.describe("in Japanese", () => {
  test.use({ locale: "ja-JP" });

  test("the sign-in page and the account's passkeys pass axe (ja)", async ({ page }) => {
    const email = uniqueEmail("a11y-ja");
    await confirmedUser(email, PASSWORD);
    await authenticator(page);
    const signIn = new SignInPage(page, JA);
    await signIn.goto();
    await expect(page.getByRole("button", { name: "パスキーでサインイン", exact: true })).toBeVisible();
    await expect(page.getByRole("button", { name: "コードをメールで受け取る", exact: true })).toBeVisible();
    await expectAccessible(page, "/sign-in (ja)");
    await signIn.signIn(email, PASSWORD);
    await expect(page).toHaveURL(/\/protected$/);
    await page.goto("/account");
    await hydrated(page);
    await page.getByRole("button", { name: "パスキーを追加", exact: true }).click();
    await expect(page.getByRole("status")).toContainText("パスキーを追加しました");
    await expect(page.getByTestId("passkey")).toContainText("端末に内蔵");
    await expectAccessible(page, "/account with a passkey (ja)");
  });
});
