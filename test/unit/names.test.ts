import { expect, test } from "bun:test";
import { effectiveName } from "../../src/store/names.ts";

test("a taken name gets the first free suffix, compared without regard to case", () => {
  expect(effectiveName("Bo", [])).toBe("Bo");
  expect(effectiveName("Bo", ["Ana"])).toBe("Bo");
  expect(effectiveName("Bo", ["bo"])).toBe("Bo#2");
  expect(effectiveName("Bo", ["Bo", "BO#2"])).toBe("Bo#3");
  expect(effectiveName("Bo", ["Bo", "Bo#3"])).toBe("Bo#2");
  expect(effectiveName("Bo#2", ["Bo#2"])).toBe("Bo#2#2");
});
