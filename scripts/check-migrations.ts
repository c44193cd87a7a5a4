// Fails when a schema has changed without a migration: for each dialect, runs
// drizzle-kit generate against a copy of its migrations and checks it adds nothing.
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

const DIALECTS = [
  {
    dialect: "sqlite",
    schema: "./src/store/schema.ts",
    out: "migrations",
    config: "drizzle.config.ts",
  },
  {
    dialect: "postgresql",
    schema: "./src/store/postgres/schema.ts",
    out: "migrations/postgres",
    config: "drizzle.pg.config.ts",
  },
];

/** Files and folders drizzle-kit would see (the SQLite folder holds the PostgreSQL one). */
function entries(dir: string): number {
  return readdirSync(dir).filter((name) => name !== "postgres").length;
}

// drizzle-kit takes --out relative to the working directory, so the copies live in the repo.
mkdirSync(join(ROOT, ".scratch"), { recursive: true });
let failed = false;
for (const { dialect, schema, out, config } of DIALECTS) {
  const tmp = mkdtempSync(join(ROOT, ".scratch", "migrations-"));
  try {
    cpSync(join(ROOT, out), tmp, { recursive: true });
    const before = entries(tmp);
    const run = spawnSync(
      "bunx",
      [
        "drizzle-kit",
        "generate",
        `--dialect=${dialect}`,
        `--schema=${schema}`,
        `--out=${relative(ROOT, tmp)}`,
      ],
      { cwd: ROOT, encoding: "utf8" },
    );
    if (run.status !== 0 || /error/i.test(run.stderr)) {
      console.error(run.stdout, run.stderr);
      failed = true;
    } else if (entries(tmp) > before) {
      console.error(run.stdout);
      console.error(
        `${schema} differs from ${out}/: run \`bunx drizzle-kit generate --config ${config}\``,
      );
      failed = true;
    } else {
      console.log(`${dialect}: migrations match the schema`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
if (failed) process.exitCode = 1;
