import { test } from "@playwright/test";
import { wholeScenario } from "./scenario";

test("the whole scenario with admin confirmation", async ({ page }) => {
  await wholeScenario(page, "admin");
});
