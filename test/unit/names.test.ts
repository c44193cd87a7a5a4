import { expect, test } from "bun:test";
import { effectiveName, nameKey } from "../../src/store/names.ts";

const keys = (names: string[]) => new Set(names.map(nameKey));

test("a taken name gets the first free suffix, compared without regard to case", () => {
  expect(effectiveName("Bo", keys([]))).toBe("Bo");
  expect(effectiveName("Bo", keys(["Ana"]))).toBe("Bo");
  expect(effectiveName("Bo", keys(["bo"]))).toBe("Bo#2");
  expect(effectiveName("Bo", keys(["Bo", "BO#2"]))).toBe("Bo#3");
  expect(effectiveName("Bo", keys(["Bo", "Bo#3"]))).toBe("Bo#2");
  expect(effectiveName("Bo#2", keys(["Bo#2"]))).toBe("Bo#2#2");
});
