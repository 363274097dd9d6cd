import { test } from "@playwright/test";
import { wholeScenario } from "./scenario";

test("the whole scenario with code confirmation", async ({ page }) => {
  await wholeScenario(page, "code");
});
