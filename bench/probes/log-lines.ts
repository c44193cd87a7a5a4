// What a log line costs on the hot path ("broadcast" and "publish", one each per
// published message): a child process logs N of each to stdout (a file) and to
// --log-file, in text and JSON, and reports the time until the last byte was
// handed to the OS. "legacy" is the server's output before pino (process.stdout
// plus a file write stream, flushed at the end), kept here as the same-run
// baseline; the medians of 5 interleaved rounds are printed last.
// Run: bun bench/probes/log-lines.ts [pairs per run, default 50000]
import { createWriteStream, openSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { createLogger, type Logger } from "../../src/server/logger.ts";
import { tempDir } from "../../test/support/temp.ts";

type Mode = "legacy" | "text" | "json";
const ROUNDS = 5;

async function child(mode: Mode, pairs: number, logFile: string): Promise<void> {
  let logger: Logger;
  let finish = async () => {};
  if (mode === "legacy") {
    const file = createWriteStream(logFile, { flags: "a" });
    logger = createLogger({
      write: (line) => {
        process.stdout.write(`${line}\n`);
        file.write(`${line}\n`);
      },
    });
    finish = () => new Promise((resolve) => file.end(resolve));
  } else {
    const { createServerLogger } = await import("../../src/server/log-output.ts");
    logger = createServerLogger({ format: mode, level: "info", logFile });
  }
  const hub = logger.child("hub");
  const grpc = logger.child("grpc");
  const participant = crypto.randomUUID();
  const started = performance.now();
  for (let i = 1; i <= pairs; i += 1) {
    const fields = { participant, name: "Bo", lt: i * 2, seq: i };
    hub.info("broadcast", {
      seq: i,
      lt: i * 2,
      kind: "message",
      participant,
      name: "Bo",
      subscribers: 3,
    });
    grpc.info("publish", fields);
  }
  await finish();
  const ms = performance.now() - started;
  process.stderr.write(`${JSON.stringify({ ms })}\n`);
}

async function run(mode: Mode, pairs: number): Promise<{ ms: number; bytes: number }> {
  using dir = tempDir();
  const out = join(dir.path, "stdout.log");
  const logFile = join(dir.path, "server.log");
  const proc = Bun.spawn(["bun", import.meta.path, "--child", mode, String(pairs), logFile], {
    stdout: openSync(out, "w"),
    stderr: "pipe",
  });
  const report = await new Response(proc.stderr).text();
  if ((await proc.exited) !== 0) throw new Error(`${mode} failed: ${report}`);
  const lines = readFileSync(logFile, "utf8").trimEnd().split("\n").length;
  if (lines !== pairs * 2)
    throw new Error(`${mode}: ${lines} lines in the log file, not ${pairs * 2}`);
  return { ms: JSON.parse(report).ms, bytes: statSync(out).size };
}

if (process.argv[2] === "--child") {
  await child(process.argv[3] as Mode, Number(process.argv[4]), process.argv[5] as string);
} else {
  const pairs = Number(process.argv[2] ?? 50_000);
  const modes: Mode[] = process.argv.includes("--legacy-only")
    ? ["legacy"]
    : ["legacy", "text", "json"];
  const times: Record<string, number[]> = {};
  for (let round = 1; round <= ROUNDS; round += 1) {
    for (const mode of modes) {
      const { ms, bytes } = await run(mode, pairs);
      times[mode] = [...(times[mode] ?? []), ms];
      const perLine = (ms * 1000) / (pairs * 2);
      console.log(
        `round ${round} ${mode.padEnd(6)} ${pairs * 2} lines  ${ms.toFixed(0).padStart(5)} ms  ${perLine.toFixed(2)} µs/line  stdout ${(bytes / 1e6).toFixed(1)} MB`,
      );
    }
  }
  for (const [mode, list] of Object.entries(times)) {
    const median = [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)] as number;
    console.log(`median ${mode.padEnd(6)} ${((median * 1000) / (pairs * 2)).toFixed(2)} µs/line`);
  }
}
