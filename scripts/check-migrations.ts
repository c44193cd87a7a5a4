// Fails when src/store/schema.ts has changed without a migration: runs
// drizzle-kit generate against a copy of migrations/ and checks it adds nothing.
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
// drizzle-kit takes --out relative to the working directory, so the copy lives in the repo.
mkdirSync(join(ROOT, ".scratch"), { recursive: true });
const tmp = mkdtempSync(join(ROOT, ".scratch", "migrations-"));
try {
  cpSync(join(ROOT, "migrations"), tmp, { recursive: true });
  const before = readdirSync(tmp).length;
  const run = spawnSync(
    "bunx",
    [
      "drizzle-kit",
      "generate",
      "--dialect=sqlite",
      "--schema=./src/store/schema.ts",
      `--out=${relative(ROOT, tmp)}`,
    ],
    { cwd: ROOT, encoding: "utf8" },
  );
  if (run.status !== 0 || /error/i.test(run.stderr)) {
    console.error(run.stdout, run.stderr);
    process.exitCode = 1;
  }
  const added = readdirSync(tmp).length - before;
  if (added > 0) {
    console.error(run.stdout);
    console.error("src/store/schema.ts differs from migrations/: run `bun run db:generate`");
    process.exitCode = 1;
  } else if (process.exitCode !== 1) {
    console.log("migrations match the schema");
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
