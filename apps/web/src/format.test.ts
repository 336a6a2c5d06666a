import { expect, it } from "vitest";
import { thousands } from "./format";

it("groups thousands with commas", () => {
  expect([0, 999, 1000, 49_996, 1_112_350, -12_345, 1234.5].map(thousands)).toStrictEqual(["0", "999", "1,000", "49,996", "1,112,350", "-12,345", "1,234.5"]);
});
