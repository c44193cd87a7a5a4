// Regenerates src/protocol/generated from the .proto with exactly the options
// src/protocol/proto.ts passes to loadSync. `--check` regenerates into a temp
// folder and fails if the committed files differ (stale or hand-edited).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { LOADER_OPTIONS, PROTO_DIR, PROTO_FILE } from "../src/protocol/proto.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const OUT = join(ROOT, "src/protocol/generated");
const GEN = join(ROOT, "node_modules/@grpc/proto-loader/build/bin/proto-loader-gen-types.js");

function generate(outDir: string): void {
  const o = LOADER_OPTIONS;
  const args = [
    GEN,
    `--longs=${o.longs.name}`,
    `--enums=${o.enums.name}`,
    ...(o.keepCase ? ["--keepCase"] : []),
    ...(o.defaults ? ["--defaults"] : []),
    ...(o.oneofs ? ["--oneofs"] : []),
    "--includeComments",
    "--grpcLib=@grpc/grpc-js",
    "-I",
    relative(ROOT, PROTO_DIR),
    "-O",
    outDir,
    PROTO_FILE,
  ];
  const run = spawnSync(process.execPath, args, { cwd: ROOT, stdio: "inherit" });
  if (run.status !== 0) throw new Error(`proto-loader-gen-types failed (${run.status})`);
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

if (process.argv.includes("--check")) {
  const tmp = mkdtempSync(join(tmpdir(), "chitchat-proto-"));
  try {
    generate(tmp);
    const want = listFiles(tmp);
    const have = listFiles(OUT);
    const stale = [...new Set([...want, ...have])].filter(
      (f) =>
        !want.includes(f) ||
        !have.includes(f) ||
        readFileSync(join(tmp, f), "utf8") !== readFileSync(join(OUT, f), "utf8"),
    );
    if (stale.length > 0) {
      console.error(`generated proto types are stale: ${stale.join(", ")}`);
      console.error("run `bun run gen:proto` and commit the result");
      process.exit(1);
    }
    console.log(`generated proto types are up to date (${want.length} files)`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
} else {
  rmSync(OUT, { recursive: true, force: true });
  generate(OUT);
}
