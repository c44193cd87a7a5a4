// The terminal client's commands end to end: a real server process and real
// `bun src/client/main.ts` processes with piped stdin.
import { afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { HELP_LINES } from "../../src/client/commands.ts";
import { nameColor } from "../../src/client/render.ts";
import { readEvents } from "../support/db-file.ts";
import { Harness } from "../support/harness.ts";
import { type Child, cleanEnv, ROOT } from "../support/process.ts";
import { defined } from "../support/values.ts";
import { waitFor } from "../support/wait.ts";

// Real processes: generous limits so a loaded machine does not fail them.
const SLOW = 20_000;
const SERVER_START_MS = 10_000;

const h = new Harness();
afterEach(() => h.dispose());

interface Client extends Child {
  send(text: string): void;
}

function client(name: string, address: string, extra: string[] = []): Client {
  const child = h.bun([
    "src/client/main.ts",
    ...["--name", name, "--server", address, "--log-file", join(h.dir(), `${name}.log`)],
    ...extra,
  ]);
  return Object.assign(child, {
    send(text: string) {
      child.proc.stdin.write(text);
      child.proc.stdin.flush();
    },
  });
}

const sees = (c: Client, pattern: RegExp | string) =>
  c.stdout.lines.some((line) =>
    typeof pattern === "string" ? line === pattern : pattern.test(line),
  );
const joined = (name: string) =>
  new RegExp(`^Participant ${name} joined Chit Chat at logical time \\d+$`);

/** The lines of `c`'s stdout from the first one equal to `first`, `count` of them. */
function block(c: Client, first: string, count: number): string[] {
  const at = c.stdout.lines.indexOf(first);
  return at < 0 ? [] : c.stdout.lines.slice(at, at + count);
}

/** What the chat shows for a stored event. */
const shown = (e: { kind: string; logicalTime: number; name: string; content: string }) =>
  e.kind === "message" ? `[${e.logicalTime}] ${e.name}: ${e.content}` : e.content;

describe("terminal client commands", () => {
  test(
    "/who, /history N and /help answer; unknown commands are not sent; //text sends /text",
    async () => {
      const db = h.dbPath();
      const server = await h.server(db, [], SERVER_START_MS);
      const ana = client("Ana", server.address);
      await waitFor(() => sees(ana, joined("Ana")), { what: "Ana's join" });
      const bo = client("Bo", server.address);
      await waitFor(() => sees(bo, joined("Bo")) && sees(ana, joined("Bo")), {
        what: "Bo's join, seen by both",
      });
      ana.send("hej fra Ana\nhvordan går det?\n");
      await waitFor(() => sees(bo, /^\[\d+\] Ana: hvordan går det\?$/), { what: "Ana's lines" });

      // /who: both, in joining order, Bo marked as himself.
      bo.send("/who\n");
      await waitFor(() => block(bo, "in the chat now (2):", 3).length === 3, { what: "/who" });
      const joins = readEvents(db).filter((e) => e.kind === "join");
      expect(block(bo, "in the chat now (2):", 3)).toEqual([
        "in the chat now (2):",
        `  Ana, joined at logical time ${joins[0]?.logicalTime}`,
        `  Bo (you), joined at logical time ${joins[1]?.logicalTime}`,
      ]);

      // /history 3: the newest three events of the log, between a header and a footer.
      bo.send("/history 3\n");
      const header = "--- the last 3 events of the log ---";
      await waitFor(() => block(bo, header, 5).length === 5, { what: "/history 3" });
      expect(block(bo, header, 5)).toEqual([
        header,
        ...readEvents(db).slice(-3).map(shown),
        "--- end of the history ---",
      ]);

      // Typed before /history, so in it: the client waits for its own publishes first.
      bo.send("farvel\n/history 1\n");
      await waitFor(() => sees(bo, "--- the last 1 event of the log ---"), { what: "/history 1" });
      expect(block(bo, "--- the last 1 event of the log ---", 3)).toEqual([
        "--- the last 1 event of the log ---",
        shown(defined(readEvents(db).at(-1))),
        "--- end of the history ---",
      ]);
      expect(readEvents(db).at(-1)?.content).toBe("farvel");

      // Refused commands, then //text and /help.
      bo.send("/whoo\n/history 0\n/who is here\n//slash\n/help\n");
      await waitFor(() => sees(ana, /^\[\d+\] Bo: \/slash$/), { what: "Ana to see /slash" });
      await waitFor(() => block(bo, "commands:", HELP_LINES.length).length === HELP_LINES.length, {
        what: "/help",
      });
      expect(block(bo, "commands:", HELP_LINES.length)).toEqual([...HELP_LINES]);
      expect(bo.stderr.lines.filter((l) => l.startsWith("not sent:"))).toEqual([
        "not sent: unknown command /whoo: /help lists the commands (start a message with // to send one that begins with /)",
        "not sent: /history takes a number of events from 1 to 1000 (like /history 20)",
        "not sent: /who takes nothing after it",
      ]);

      // /quit leaves; then Ana, with a /who piped just before her end of input,
      // answered before she leaves.
      bo.send("/quit\n");
      expect(await bo.exited).toBe(0);
      ana.send("/who\n");
      ana.proc.stdin.end();
      expect(await ana.exited).toBe(0);
      expect(block(ana, "in the chat now (1):", 2)).toEqual([
        "in the chat now (1):",
        `  Ana (you), joined at logical time ${joins[0]?.logicalTime}`,
      ]);
      await server.kill("SIGTERM");

      // The log holds the chat and nothing of the commands.
      const log = readEvents(db);
      expect(log.filter((e) => e.kind === "message").map((e) => [e.name, e.content])).toEqual([
        ["Ana", "hej fra Ana"],
        ["Ana", "hvordan går det?"],
        ["Bo", "farvel"],
        ["Bo", "/slash"],
      ]);
      // Ana's screen is exactly the chat, with her /who answered before her own
      // LEAVE: no command leaked, and nothing was lost at the end of input.
      expect(ana.stdout.lines).toEqual([
        ...log.slice(0, -1).map(shown),
        "in the chat now (1):",
        `  Ana (you), joined at logical time ${joins[0]?.logicalTime}`,
        shown(defined(log.at(-1))),
      ]);
    },
    SLOW,
  );

  test(
    "names are coloured with --color always, and not when piped by default",
    async () => {
      const server = await h.server(h.dbPath(), [], SERVER_START_MS);
      const plain = client("Plain", server.address);
      await waitFor(() => sees(plain, joined("Plain")), { what: "Plain's join" });
      const painted = client("Ana", server.address, ["--color", "always"]);
      const ana = `\x1b[${nameColor("Ana")}mAna\x1b[39m`;
      await waitFor(() => sees(painted, new RegExp(`^Participant ${escapeRe(ana)} joined`)), {
        what: "Ana's painted join",
      });
      painted.send("hej\n/who\n");
      await waitFor(() => sees(painted, new RegExp(`^\\[\\d+\\] ${escapeRe(ana)}: hej$`)), {
        what: "a painted message",
      });
      const who = new RegExp(`^  ${escapeRe(ana)} \\(you\\), joined at logical time \\d+$`);
      await waitFor(() => sees(painted, who), {
        what: "a painted /who",
      });
      await waitFor(() => sees(plain, /^\[\d+\] Ana: hej$/), { what: "the plain message" });
      expect(plain.stdout.text).not.toContain("\x1b");
    },
    SLOW,
  );

  test(
    "on a terminal names are coloured by default, and not with NO_COLOR",
    async () => {
      const server = await h.server(h.dbPath(), [], SERVER_START_MS);
      const tty = `\x1b[${nameColor("Tty")}mTty\x1b[39m`;
      const coloured = await onTerminal(server.address, {});
      expect(coloured).toMatch(new RegExp(`Participant ${escapeRe(tty)} joined Chit Chat`));
      expect(coloured).toMatch(new RegExp(`Participant ${escapeRe(tty)} left Chit Chat`));
      const plain = await onTerminal(server.address, { NO_COLOR: "1" });
      expect(plain).toMatch(/Participant Tty joined Chit Chat/);
      expect(plain).not.toContain(`\x1b[${nameColor("Tty")}m`);
    },
    SLOW,
  );
});

/**
 * Runs the client on a pseudo-terminal (util-linux `script`), as a person would,
 * until it shows its JOIN; then types /quit. Everything the terminal showed.
 */
async function onTerminal(address: string, env: Record<string, string>): Promise<string> {
  const command = [
    process.execPath,
    "src/client/main.ts",
    ...["--name", "Tty", "--server", address, "--log-file", join(h.dir(), "tty.log")],
  ].join(" ");
  const proc = Bun.spawn(["script", "-qfc", command, "/dev/null"], {
    cwd: ROOT,
    env: { ...cleanEnv(), ...env },
    stdin: "pipe",
    stdout: "pipe",
    stderr: "pipe",
  });
  let shown = "";
  const reading = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of proc.stdout) shown += decoder.decode(chunk, { stream: true });
  })();
  try {
    await waitFor(() => /Tty.*joined Chit Chat/.test(shown), { what: "the JOIN on the terminal" });
    proc.stdin.write("/quit\r");
    proc.stdin.flush();
    expect(await proc.exited).toBe(0);
    await reading;
    return shown;
  } finally {
    proc.kill("SIGKILL");
  }
}

function escapeRe(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
