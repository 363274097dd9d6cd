import { test } from "@playwright/test";
import { wholeScenario } from "./scenario";

test("the whole scenario with lambda confirmation", async ({ page }) => {
  await wholeScenario(page, "lambda");
});
