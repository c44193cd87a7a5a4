// A throwaway PostgreSQL for tests: Debian's server binaries, a cluster made
// with initdb in a temp folder, on a free loopback port, fsync on. It never
// outlives the test process: an exit hook stops it, and a watchdog shell stops
// it if the process dies without running its hooks (SIGKILL).
import { spawn, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import postgres from "postgres";

const BIN = process.env.PG_BIN ?? "/usr/lib/postgresql/15/bin";
/** The unprivileged account that runs the cluster when the tests run as root. */
const OS_USER = "postgres";

export interface PgCluster extends AsyncDisposable {
  readonly port: number;
  /** A connection URL to `database` as the cluster's superuser. */
  url(database: string): string;
  /** A new, empty database; returns its URL. Each test takes its own. */
  createDatabase(): Promise<string>;
  /** Runs SQL as superuser in the `postgres` database (e.g. pg_terminate_backend). */
  sql(query: string, ...params: (string | number)[]): Promise<Record<string, unknown>[]>;
  /** Stops the server (fast shutdown: clients are disconnected). The data stays. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
  /** Stops the server and removes its folder. */
  destroy(): Promise<void>;
}

function binary(name: string): string {
  const path = join(BIN, name);
  if (!existsSync(path)) {
    throw new Error(
      `${path} not found: the PostgreSQL tests need Debian's server (apt-get install postgresql), or PG_BIN`,
    );
  }
  return path;
}

const asRoot = userInfo().uid === 0;

/** argv to run `command` as the cluster's owner (PostgreSQL refuses to run as root). */
function asOwner(command: string[]): string[] {
  return asRoot ? ["runuser", "-u", OS_USER, "--", ...command] : command;
}

function run(command: string[]): void {
  const argv = asOwner(command);
  const result = spawnSync(argv[0] as string, argv.slice(1), { encoding: "utf8" });
  if (result.status !== 0) {
    throw new Error(
      `${command.join(" ")} failed (${result.status}):\n${result.stdout}${result.stderr}`,
    );
  }
}

/** Like `run`, without blocking the event loop (pg_ctl waits for the server). */
function runAsync(command: string[]): Promise<void> {
  const argv = asOwner(command);
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0] as string, argv.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk) => {
      output += chunk;
    });
    child.stderr.on("data", (chunk) => {
      output += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${command.join(" ")} failed (${code}):\n${output}`));
    });
  });
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

let databases = 0;

/** Makes and starts a new cluster. */
export async function startPostgres(): Promise<PgCluster> {
  const dir = mkdtempSync(join(tmpdir(), "chitchat-pg-"));
  if (asRoot) {
    const owner = spawnSync("id", ["-u", OS_USER], { encoding: "utf8" });
    const group = spawnSync("id", ["-g", OS_USER], { encoding: "utf8" });
    if (owner.status !== 0) throw new Error(`no ${OS_USER} user (apt-get install postgresql)`);
    chownSync(dir, Number(owner.stdout.trim()), Number(group.stdout.trim()));
  }
  const data = join(dir, "data");
  const logFile = join(dir, "server.log");
  const pgCtl = binary("pg_ctl");
  // --no-sync only skips flushing initdb's own files; the server runs with fsync on.
  run([
    binary("initdb"),
    "-D",
    data,
    "-U",
    "postgres",
    "--auth=trust",
    "-E",
    "UTF8",
    "--locale=C",
    "--no-sync",
  ]);
  const port = await freePort();
  const options = [
    `-p ${port}`,
    "-c listen_addresses=127.0.0.1",
    `-c unix_socket_directories=${dir}`,
    "-c fsync=on",
    "-c max_connections=300",
  ].join(" ");
  const startArgs = [pgCtl, "-D", data, "-l", logFile, "-o", options, "-w", "-t", "60", "start"];
  const stopArgs = (mode: string) => [pgCtl, "-D", data, "-m", mode, "-w", "-t", "60", "stop"];

  // Stops the cluster if this process dies without its exit hooks.
  const watchdog = spawn(
    "bash",
    [
      "-c",
      `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; ${asOwner(stopArgs("immediate"))
        .map((a) => `'${a}'`)
        .join(" ")} >/dev/null 2>&1; rm -rf '${dir}'`,
    ],
    { detached: true, stdio: "ignore" },
  );
  watchdog.unref();

  let running = false;
  let destroyed = false;
  const onExit = () => {
    if (running)
      spawnSync(
        asOwner(stopArgs("immediate"))[0] as string,
        asOwner(stopArgs("immediate")).slice(1),
      );
    rmSync(dir, { recursive: true, force: true });
    watchdog.kill();
  };
  process.on("exit", onExit);

  const url = (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;
  let admin: postgres.Sql | undefined;
  const adminSql = () => {
    admin ??= postgres(url("postgres"), { max: 1, onnotice: () => {} });
    return admin;
  };
  const closeAdmin = async () => {
    const closing = admin;
    admin = undefined;
    await closing?.end({ timeout: 1 });
  };

  const cluster: PgCluster = {
    port,
    url,
    async createDatabase() {
      databases += 1;
      const name = `chitchat_${process.pid}_${databases}`;
      await adminSql().unsafe(`create database ${name}`);
      return url(name);
    },
    async sql(query, ...params) {
      return [...(await adminSql().unsafe(query, params))];
    },
    async stop() {
      await closeAdmin();
      await runAsync(stopArgs("fast"));
      running = false;
    },
    async start() {
      await runAsync(startArgs);
      running = true;
    },
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      await closeAdmin();
      if (running) await runAsync(stopArgs("immediate"));
      running = false;
      rmSync(dir, { recursive: true, force: true });
      process.off("exit", onExit);
      watchdog.kill();
    },
    [Symbol.asyncDispose]() {
      return cluster.destroy();
    },
  };
  try {
    await cluster.start();
  } catch (error) {
    await cluster.destroy();
    throw error;
  }
  return cluster;
}

let shared: Promise<PgCluster> | undefined;

/**
 * One cluster for the whole test process (tests take a database each). Tests that
 * stop or start the server make their own with `startPostgres` instead.
 */
export function sharedPostgres(): Promise<PgCluster> {
  shared ??= startPostgres();
  return shared;
}
