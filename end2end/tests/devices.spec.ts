import { expect, test, type Page } from "@playwright/test";
import { confirmedUser, enableTotp, setting, totp } from "./cognito-local";
import { AccountPage, ChallengePage, Header, PASSWORD, SignInPage, alerts, hydrated, uniqueEmail } from "./pages";

// A pool as Amplify and the console make it: an app client that allows only SRP
// (ALLOW_USER_SRP_AUTH, no ALLOW_USER_PASSWORD_AUTH), in a pool that remembers a device when the
// person asks ("User opt-in"). No emulator has either, so a test double in front of cognito-local
// (end2end/doubles/cognito-srp.mjs) checks the SRP proofs of the password and of the device the
// way Cognito does, and keeps the devices (scripts/test's `devices` run).

/** What the double keeps of this person's devices (never their secrets). */
async function devicesOf(email: string): Promise<{ confirmed: boolean; remembered: boolean }[]> {
  const response = await fetch(`${setting("DOUBLE_URL")}/_double/devices`);
  return ((await response.json()) as { email: string; confirmed: boolean; remembered: boolean }[]).filter(
    (d) => d.email === email,
  );
}

async function signIn(page: Page, email: string, password: string, js: boolean) {
  const form = new SignInPage(page);
  await form.goto("", { js });
  await form.signIn(email, password);
}

for (const js of [true, false]) {
  const how = js ? "" : " (JavaScript disabled)";

  test.describe(`remembered devices${how}`, () => {
    test.use({ javaScriptEnabled: js });

    test(`an SRP-only client signs in, and a remembered browser skips the code until it is forgotten${how}`, async ({ page }) => {
      const email = uniqueEmail(js ? "device" : "device-nojs");
      await confirmedUser(email, PASSWORD);
      const secret = await enableTotp(email, PASSWORD);

      // A wrong password: the SRP proof does not check out, said as a wrong password.
      await signIn(page, email, "Wrong-Horse-9", js);
      await expect(alerts(page)).toContainText("The e-mail or password is not right.");

      // The right one, then the code, with "Remember this browser" ticked.
      await signIn(page, email, PASSWORD, js);
      await expect(page).toHaveURL(/\/sign-in\/code$/);
      if (js) await hydrated(page);
      const remember = page.getByLabel("Remember this browser");
      await expect(remember).toBeVisible();
      await expect(page.getByText("Don't tick this on a shared computer")).toBeVisible();
      await remember.check();
      await new ChallengePage(page).enterCode(totp(secret));
      await expect(page).toHaveURL(/\/protected$/);
      await new Header(page).expectSignedInAs(email);
      expect(await devicesOf(email)).toContainEqual(expect.objectContaining({ confirmed: true, remembered: true }));
      // The device's keys and password are in an HttpOnly cookie, sealed.
      const kept = (await page.context().cookies()).find((c) => c.name.endsWith("lc-remembered"));
      expect(kept?.httpOnly).toBe(true);
      expect(kept?.value).not.toContain("us-east-1_");

      // The account page lists it as this browser.
      const account = new AccountPage(page);
      await account.goto({ js });
      await expect(page.getByRole("heading", { name: "Remembered browsers" })).toBeVisible();
      const listed = page.getByTestId("device");
      await expect(listed).toHaveCount(1);
      await expect(listed).toHaveAttribute("data-current", "true");
      await expect(listed).toContainText("This browser");

      // Signed out and in again: the password alone (the device proves itself).
      await new Header(page).signOut();
      await signIn(page, email, PASSWORD, js);
      await expect(page).toHaveURL(/\/protected$/);
      await new Header(page).expectSignedInAs(email);

      // Past the 10-second tokens: the server refreshes them with the device's key (the double
      // refuses a device's refresh token without it, which would sign the person out).
      await page.waitForTimeout(11_000);
      await page.goto("/protected");
      await new Header(page).expectSignedInAs(email);

      // Forgotten on the account page: the next sign-in asks for the code again.
      await account.goto({ js });
      await page.getByRole("button", { name: /^Forget / }).click();
      await expect(page).toHaveURL(/notice=device_forgotten/);
      await expect(account.notice()).toContainText("That browser is forgotten");
      await expect(page.getByTestId("device")).toHaveCount(0);
      await new Header(page).signOut();
      await signIn(page, email, PASSWORD, js);
      await expect(page).toHaveURL(/\/sign-in\/code$/);
    });
  });
}

test("signing out everywhere forgets every remembered browser", async ({ page }) => {
  const email = uniqueEmail("device-everywhere");
  await confirmedUser(email, PASSWORD);
  const secret = await enableTotp(email, PASSWORD);
  await signIn(page, email, PASSWORD, true);
  await hydrated(page);
  await page.getByLabel("Remember this browser").check();
  await new ChallengePage(page).enterCode(totp(secret));
  await expect(page).toHaveURL(/\/protected$/);
  expect(await devicesOf(email)).toContainEqual(expect.objectContaining({ confirmed: true, remembered: true }));

  const account = new AccountPage(page);
  await account.goto();
  await account.button("Sign out everywhere").click();
  await expect(page).toHaveURL(/\/sign-in\?/);
  expect((await page.context().cookies()).some((c) => c.name.endsWith("lc-remembered"))).toBe(false);
  expect(await devicesOf(email)).toEqual([]);

  await signIn(page, email, PASSWORD, true);
  await expect(page).toHaveURL(/\/sign-in\/code$/);
});
