import { expect, test } from "@playwright/test";
import { confirmedUser } from "./cognito-local";
import { ForgotPasswordPage, Header, PASSWORD, ProtectedPage, SignInPage, alerts, hydrated, uniqueEmail } from "./pages";

/** A confirmed account made through the emulator's API (sign-up has specs of its own), and the
 * sign-in page open for it. */
async function signedUpAndConfirmed(page: import("@playwright/test").Page, tag: string): Promise<string> {
  const email = uniqueEmail(tag);
  await confirmedUser(email, PASSWORD);
  await new SignInPage(page).goto();
  return email;
}

test("a revoked refresh token ends the session cleanly: cookies cleared, sign-in, no loop", async ({ browser }) => {
  const first = await browser.newContext();
  const page = await first.newPage();
  const email = await signedUpAndConfirmed(page, "revoked");
  await hydrated(page);
  await new SignInPage(page).signIn(email, PASSWORD);
  await expect(page).toHaveURL(/\/protected$/);
  const stolen = await first.cookies();

  // Signing out revokes the refresh token at Cognito.
  await new Header(page).signOut();
  await expect(page).toHaveURL(/\/$/);
  await first.close();

  // The old cookies, replayed after the access token has expired, cannot be refreshed.
  const second = await browser.newContext();
  await second.addCookies(stolen);
  const replay = await second.newPage();
  await replay.waitForTimeout(11_000);
  await replay.goto("/protected");
  await expect(replay).toHaveURL(/\/sign-in\?next=/);
  await new Header(replay).expectSignedOut();
  // Only the device cookie stays: it signs nobody in (it gives this browser a failure budget of
  // its own for the account, until the password changes).
  const left = (await second.cookies()).filter((c) => c.name.startsWith("lc-") && c.name !== "lc-device");
  expect(left).toEqual([]);
  await second.close();
});

test("many parallel requests of one session share one refresh", async ({ page }) => {
  const email = await signedUpAndConfirmed(page, "parallel");
  await hydrated(page);
  await new SignInPage(page).signIn(email, PASSWORD);
  await expect(page).toHaveURL(/\/protected$/);
  const protectedPage = new ProtectedPage(page);
  await expect(protectedPage.expiry()).toContainText("ago", { timeout: 20_000 });

  // Ten requests at once with the same expired session: each gets a working session back.
  const answers = await Promise.all(
    Array.from({ length: 10 }, () => page.request.post("/auth/current-user", { headers: { Accept: "application/json" } })),
  );
  for (const answer of answers) {
    expect(answer.status()).toBe(200);
    expect(await answer.json()).toEqual({ email });
  }
});

test("forgot password answers the same for an unknown e-mail", async ({ page }) => {
  await new ForgotPasswordPage(page).requestCode(uniqueEmail("nobody"));
  await expect(alerts(page)).toHaveCount(0);
});
