import { expect, test } from "@playwright/test";
import { SignUpPage, hydrated } from "./pages";

test("the home page is rendered on the server", async ({ request }) => {
  const res = await request.get("/");
  expect(res.status()).toBe(200);
  const html = await res.text();
  expect(html).toContain("Amazon Cognito in front of a Leptos app");
  expect(html).toContain("New accounts are confirmed by");
  expect(res.headers()["x-content-type-options"]).toBe("nosniff");
  const csp = res.headers()["content-security-policy"];
  expect(csp).toMatch(/script-src 'self' 'nonce-[\w+/=-]+' 'wasm-unsafe-eval'/);
  expect(csp).toContain("frame-ancestors 'none'");
  // The nonce in the header is the one on the page's inline script.
  const nonce = /'nonce-([^']+)'/.exec(csp)![1];
  expect(html).toContain(`nonce="${nonce}"`);
});

test("the page hydrates: the password checklist follows typing", async ({ page }) => {
  const violations: string[] = [];
  page.on("console", (msg) => {
    if (/Content Security Policy/i.test(msg.text())) violations.push(msg.text());
  });
  await page.goto("/");
  await hydrated(page);
  await expect(page.getByText("e-mail code")).toBeVisible();
  await page.getByRole("main").getByRole("link", { name: "Sign up" }).click();
  await expect(page).toHaveURL(/\/sign-up$/);
  // A link loads a whole page (islands: no client-side router); its form goes live by itself.
  await hydrated(page);

  const signUp = new SignUpPage(page);
  const rules = signUp.rules();
  await expect(rules.getByRole("listitem")).toHaveCount(5);
  await expect(rules.locator('li[data-met="true"]')).toHaveCount(0);
  // Only the hydrated page reacts to typing.
  await signUp.password().fill("abcdefgH1");
  await expect(rules.locator('li[data-met="true"]')).toHaveCount(4);
  await signUp.password().fill("abcdefgH1!");
  await expect(rules.locator('li[data-met="false"]')).toHaveCount(0);
  // Show / hide works and changes nothing else.
  await page.getByRole("button", { name: "Show" }).click();
  await expect(signUp.password()).toHaveAttribute("type", "text");
  expect(violations).toEqual([]);
});

test("an unknown path is a 404 page", async ({ page }) => {
  const res = await page.goto("/no-such-page");
  expect(res?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
});

test("the bundle has hashed names, long-lived caching and compression", async ({ request }) => {
  const html = await (await request.get("/sign-in")).text();
  const assets = [...html.matchAll(/(?:href|src)="(\/pkg\/[^"]+)"/g)].map((m) => m[1]);
  const names = [...new Set(assets)];
  // The stylesheet is inline (one round trip less before the form shows), with the nonce.
  expect(html).toMatch(/<style id="leptos" nonce="[^"]+">[^<]*\.field[^<]*<\/style>/);
  expect(html).not.toContain('rel="stylesheet"');
  // The JS and the wasm, each with a content hash in its name.
  for (const ext of ["js", "wasm"]) {
    expect(names.some((n) => new RegExp(`\\.[\\w-]{8,}\\.${ext}$`).test(n)), `${ext} in ${names}`).toBe(true);
  }
  for (const name of names) {
    const res = await request.get(name, { headers: { "accept-encoding": "br, gzip" } });
    expect(res.status(), name).toBe(200);
    expect(res.headers()["cache-control"], name).toBe("public, max-age=31536000, immutable");
    expect(["br", "gzip"], name).toContain(res.headers()["content-encoding"]);
  }
  // A name that is not (or no longer) there is not cached.
  const gone = await request.get("/pkg/leptos-cognito.0000000000.wasm");
  expect(gone.status()).toBe(404);
  expect(gone.headers()["cache-control"]).toBeUndefined();
  // The two hand-written scripts keep their names: a kept copy is checked first.
  for (const name of ["/passkeys.js", "/protected.js"]) {
    const res = await request.get(name);
    expect(res.status(), name).toBe(200);
    expect(res.headers()["cache-control"], name).toBe("no-cache");
  }
  // Pages themselves are compressed too.
  const page = await request.get("/sign-in", { headers: { "accept-encoding": "br" } });
  expect(page.headers()["content-encoding"]).toBe("br");
});
