import type { FullConfig } from "@playwright/test";

// The servers may still be starting (`cargo leptos end-to-end` starts the server and this runner
// at the same moment): wait until every project's server answers before the first test.
export default async function globalSetup(config: FullConfig) {
  await Promise.all(config.projects.map((project) => waitFor(project.use.baseURL ?? "http://127.0.0.1:3000")));
}

async function waitFor(baseURL: string) {
  const deadline = Date.now() + 120_000;
  let last = "";
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${baseURL}/health`);
      if (res.ok) return;
      last = `status ${res.status}`;
    } catch (e) {
      last = String(e);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the app at ${baseURL} did not start within 120 s (${last})`);
}
