// The chat page in a real headless Chromium against a real server process,
// found the way a screen reader finds it (roles and accessible names).
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { createHash, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "puppeteer-core";
import type { EventJson } from "../../src/protocol/events.ts";
import {
  byRole,
  fill,
  launchBrowser,
  type TestBrowser,
  type TestPage,
  textOf,
  transcript,
  waitForLines,
} from "../support/browser.ts";
import { bearer } from "../support/grpc-client.ts";
import { Harness } from "../support/harness.ts";
import type { ServerProcess } from "../support/server-process.ts";
import { selfSignedCertificate } from "../support/tls.ts";
import { range } from "../support/values.ts";
import { waitFor } from "../support/wait.ts";

const h = new Harness();
let chromium: TestBrowser;
const pages: TestPage[] = [];

beforeAll(async () => {
  chromium = await launchBrowser();
});
afterAll(async () => {
  await chromium[Symbol.asyncDispose]();
});
afterEach(async () => {
  for (const p of pages.splice(0)) await p.page.close();
  await h.dispose();
});

async function open(server: { adminUrl: string }): Promise<TestPage> {
  const p = await chromium.open(`${server.adminUrl}/`);
  pages.push(p);
  return p;
}

/** Types a name and presses Join; waits for the page's own JOIN line. */
async function joinAs(page: Page, name: string): Promise<void> {
  await fill(page, "Name", name);
  await page.bringToFront();
  await (await byRole(page, "button", "Join")).click();
  await waitFor(
    async () =>
      (await transcript(page)).some((l) =>
        new RegExp(`Participant ${name} joined Chit Chat`).test(l.text),
      ),
    { what: `${name}'s JOIN on the page` },
  );
}

async function say(page: Page, text: string, how: "enter" | "click" = "enter"): Promise<void> {
  await fill(page, "Message", text);
  if (how === "enter") await page.keyboard.press("Enter");
  else await (await byRole(page, "button", "Send")).click();
}

async function history(server: { adminUrl: string }): Promise<EventJson[]> {
  const response = await fetch(`${server.adminUrl}/history?since=0&limit=1000`);
  return ((await response.json()) as { events: EventJson[] }).events;
}

/** How a transcript line shows an event. */
const shown = (e: EventJson) =>
  e.kind === "message"
    ? `[${e.logicalTime}]${e.name}:${e.content}`
    : `[${e.logicalTime}]${e.content}`;

function terminal(server: ServerProcess, name: string) {
  const child = h.bun([
    "src/client/main.ts",
    ...["--name", name, "--server", server.address, "--log-file", join(h.dir(), `${name}.log`)],
  ]);
  return Object.assign(child, {
    send(text: string) {
      child.proc.stdin.write(`${text}\n`);
      child.proc.stdin.flush();
    },
  });
}

describe("the chat page", () => {
  test("two pages and a terminal client chat and each sees the log's order, once", async () => {
    const server = await h.server(h.dbPath());
    const ana = await open(server);
    await joinAs(ana.page, "Ana");
    const bo = await open(server);
    await joinAs(bo.page, "Bo");
    const term = terminal(server, "Term");
    await term.waitForStdout(/Participant Term joined Chit Chat/);

    await say(ana.page, "hej fra Ana", "enter");
    await waitFor(async () => (await history(server)).length === 4, { what: "Ana's message" });
    await say(bo.page, "hej fra Bo", "click");
    await waitFor(async () => (await history(server)).length === 5, { what: "Bo's message" });
    term.send("hej fra Term");
    await waitFor(async () => (await history(server)).length === 6, { what: "Term's message" });

    const log = await history(server);
    expect(log.map((e) => e.kind)).toEqual([
      "join",
      "join",
      "join",
      "message",
      "message",
      "message",
    ]);
    const anaLines = await waitForLines(ana.page, 6);
    const boLines = await waitForLines(bo.page, 5);
    expect(anaLines).toEqual(log.map((e) => ({ seq: e.seq, text: shown(e), foreign: false })));
    expect(boLines).toEqual(
      log.slice(1).map((e) => ({ seq: e.seq, text: shown(e), foreign: false })),
    );
    await term.waitForStdout(/\] Term: hej fra Term$/m);
    expect(term.stdout.lines.filter((l) => l.includes("hej fra"))).toEqual(
      log.slice(3).map((e) => `[${e.logicalTime}] ${e.name}: ${e.content}`),
    );
    // The page's clock went past everything it saw, by the rules.
    expect(await textOf(ana.page, "diagram")).toContain("clock");
    expect([...ana.errors, ...bo.errors]).toEqual([]);
  });

  test("a reload takes the session up again: no new JOIN, no line twice, nothing missed", async () => {
    const server = await h.server(h.dbPath());
    const ana = await open(server);
    await joinAs(ana.page, "Ana");
    await say(ana.page, "before the reload");
    await waitForLines(ana.page, 2);
    const bo = await open(server);
    await joinAs(bo.page, "Bo");
    await waitForLines(ana.page, 3);

    await ana.page.reload({ waitUntil: "load" });
    await say(bo.page, "while Ana reloaded");
    await waitFor(async () => (await history(server)).length === 4, { what: "Bo's message" });
    const log = await history(server);
    const lines = await waitForLines(ana.page, 4);
    expect(lines.map((l) => l.seq)).toEqual(range(1, 4));
    expect(lines.map((l) => l.text)).toEqual(log.map(shown));
    // Still Ana, still the same participant: it can send, and the log holds one JOIN for her.
    await byRole(ana.page, "button", "Leave");
    await say(ana.page, "after the reload");
    await waitForLines(ana.page, 5);
    const after = await history(server);
    expect(after.filter((e) => e.kind === "join").map((e) => e.name)).toEqual(["Ana", "Bo"]);
    expect(after.at(-1)?.participantId).toBe(log[0]?.participantId);
    expect(ana.errors).toEqual([]);
  });

  test("a server restart under an open page: it reconnects and resumes with no gap", async () => {
    const db = h.dbPath();
    const first = await h.server(db);
    const port = new URL(first.adminUrl).port;
    const ana = await open(first);
    await joinAs(ana.page, "Ana");
    await say(ana.page, "before the restart");
    await waitForLines(ana.page, 2);
    await first.kill("SIGTERM");

    const second = await h.server(db, ["--admin-port", port, "--leave-grace-ms", "30000"]);
    const term = terminal(second, "Term");
    await term.waitForStdout(/Participant Term joined Chit Chat/);
    term.send("after the restart");
    await waitFor(async () => (await history(second)).length === 4, { what: "Term's message" });
    const lines = await waitForLines(ana.page, 4);
    await say(ana.page, "back again");
    const all = await waitForLines(ana.page, 5);
    const log = await history(second);
    expect(all.map((l) => l.seq)).toEqual(range(1, 5));
    expect(all.map((l) => l.text)).toEqual(log.map(shown));
    expect(lines.length).toBe(4);
    // The socket's failures while the server was away are the browser's own network notes.
    expect(ana.errors.filter((e) => !/WebSocket connection to .* failed/.test(e))).toEqual([]);
  });

  test("Leave is broadcast to the others and to the leaver, and the page can join again", async () => {
    const server = await h.server(h.dbPath());
    const ana = await open(server);
    await joinAs(ana.page, "Ana");
    const bo = await open(server);
    await joinAs(bo.page, "Bo");
    await ana.page.bringToFront();
    await (await byRole(ana.page, "button", "Leave")).click();
    const left = /^\[\d+\]Participant Ana left Chit Chat at logical time \d+$/;
    await waitFor(async () => (await transcript(bo.page)).some((l) => left.test(l.text)), {
      what: "Ana's LEAVE at Bo",
    });
    await waitFor(async () => (await transcript(ana.page)).some((l) => left.test(l.text)), {
      what: "Ana's LEAVE at Ana",
    });
    await byRole(ana.page, "button", "Join");
    expect(await textOf(ana.page, "status")).toBe("You left the chat.");
    const log = await history(server);
    expect(log.map((e) => `${e.kind} ${e.name}`)).toEqual(["join Ana", "join Bo", "leave Ana"]);
    expect([...ana.errors, ...bo.errors]).toEqual([]);
  });

  test("chat text is always text, and a 129-character message is refused with a sentence and stores nothing", async () => {
    const server = await h.server(h.dbPath());
    const ana = await open(server);
    await joinAs(ana.page, "Ana");
    const xss = '<img src=x onerror="document.title=1"><b>x</b>';
    await say(ana.page, xss);
    const lines = await waitForLines(ana.page, 2);
    expect(lines[1]).toEqual({
      seq: 2,
      text: expect.stringMatching(/^\[\d+\]Ana:/),
      foreign: false,
    });
    expect(lines[1]?.text.endsWith(xss)).toBe(true);
    expect(await ana.page.$$('[role="log"] img, [role="log"] b')).toHaveLength(0);
    expect(await ana.page.title()).toBe("ChitChat");

    const before = await history(server);
    await say(ana.page, "x".repeat(129));
    await waitFor(async () => (await textOf(ana.page, "error")) !== "", { what: "the refusal" });
    expect(await textOf(ana.page, "error")).toBe(
      "Not sent: message must be at most 128 characters (got 129).",
    );
    expect(await history(server)).toEqual(before);
    // What was typed stays, to be shortened; 128 characters go through.
    await say(ana.page, "y".repeat(128));
    await waitForLines(ana.page, 3);
    expect(await textOf(ana.page, "error")).toBe("");
    expect((await history(server)).length).toBe(before.length + 1);
    expect(ana.errors).toEqual([]);
  });

  test("the Lamport diagram has a mark per event, older ones paged from /history, each with its title", async () => {
    const server = await h.server(h.dbPath());
    // Events from before the page joined: the diagram pages them in from /history.
    const term = terminal(server, "Term");
    await term.waitForStdout(/Participant Term joined Chit Chat/);
    for (const text of ["one", "two", "three"]) term.send(text);
    await waitFor(async () => (await history(server)).length === 4, { what: "Term's messages" });
    const ana = await open(server);
    await joinAs(ana.page, "Ana");
    await say(ana.page, "hello diagram");
    term.send("/quit");
    await waitFor(async () => (await history(server)).length === 7, { what: "Term's LEAVE" });
    const log = await history(server);

    const marks = async () =>
      ana.page.$$eval('svg[role="img"] g.mark', (gs) =>
        gs.map((g) => ({
          kind: g.getAttribute("class"),
          title: g.querySelector("title")?.textContent,
        })),
      );
    await waitFor(async () => (await marks()).length === log.length, {
      what: `${log.length} marks`,
    });
    expect(await marks()).toEqual(
      log.map((e) => ({
        kind: `mark ${e.kind}`,
        title: `seq ${e.seq} · logical time ${e.logicalTime} · ${e.kind} · ${e.name}`,
      })),
    );
    const label = await ana.page.$eval('svg[role="img"]', (s) => s.getAttribute("aria-label"));
    expect(label).toMatch(
      /^Lamport diagram of the chat log: 7 events on 2 lanes; your clock is \d+$/,
    );
    const clock = Number(/your clock is (\d+)/.exec(label ?? "")?.[1]);
    expect(clock).toBeGreaterThan(log.at(-1)?.logicalTime ?? Number.POSITIVE_INFINITY);
    // Focusing a mark shows its text and wall time too.
    await ana.page.$eval('g.mark[data-seq="2"]', (g) =>
      (g as unknown as { focus(): void }).focus(),
    );
    const detail = await textOf(ana.page, "detail");
    expect(detail).toBe(
      `seq 2 · logical time ${log[1]?.logicalTime} · message · Term\none\n${log[1]?.sentAt}`,
    );

    await ana.page.screenshot({
      path: join(process.env.CHITCHAT_SCREENSHOT_DIR ?? h.dir(), "browser-chat.png"),
    });
    expect(ana.errors).toEqual([]);
  });
});

describe("errors on the page", () => {
  test("a refused name and a session that died while the page was away are shown as sentences", async () => {
    const server = await h.server(h.dbPath());
    const ana = await open(server);
    await fill(ana.page, "Name", "   ");
    await (await byRole(ana.page, "button", "Join")).click();
    await waitFor(async () => (await textOf(ana.page, "error")) !== "", { what: "the refusal" });
    expect(await textOf(ana.page, "error")).toBe("Could not join: name must not be empty.");
    expect(await history(server)).toEqual([]);

    await joinAs(ana.page, "Ana");
    // The tab goes elsewhere; someone with the token ends the session meanwhile; the tab comes back.
    const stored = JSON.parse(
      String(await ana.page.evaluate('sessionStorage.getItem("chitchat.session")')),
    ) as { saved: { info: { participantId: string }; sessionToken: string } };
    await ana.page.goto(`${server.adminUrl}/healthz`);
    const client = h.client(server.address);
    await client.leave({
      participantId: stored.saved.info.participantId,
      metadata: bearer(stored.saved.sessionToken),
    });
    await ana.page.goto(`${server.adminUrl}/`, { waitUntil: "load" });
    await waitFor(async () => (await textOf(ana.page, "error")) !== "", { what: "the sentence" });
    expect(await textOf(ana.page, "error")).toBe(
      "The session ended: this participant has left the chat; join again.",
    );
    await byRole(ana.page, "button", "Join");
    expect(await ana.page.evaluate('sessionStorage.getItem("chitchat.session")')).toBeNull();
    expect(ana.errors).toEqual([]);
  });
});

describe("the Lamport diagram with thousands of events", () => {
  test("draws only the rows in view, and pages every older event in as the view reaches the top", async () => {
    const COUNT = 3000;
    const server = await h.start({ admin: {}, leaveGraceMs: 600_000 });
    const client = h.client(server.address);
    const term = await client.join("Term");
    // Straight into the log, a commit at a time: the quickest way to a long history.
    for (let i = 0; i < COUNT; i += 500) {
      await server.log.append(
        range(i, i + 499).map((n) => ({
          kind: "message" as const,
          participantId: term.participantId,
          name: term.name,
          logicalTime: 0,
          content: `message ${n}`,
          messageId: null,
        })),
      );
    }
    const adminUrl = server.adminUrl as string;
    const ana = await open({ adminUrl });
    await joinAs(ana.page, "Ana");
    const total = COUNT + 2;
    const held = async () => {
      const label = await ana.page.$eval('svg[role="img"]', (svg) =>
        svg.getAttribute("aria-label"),
      );
      return Number(/: (\d+) events/.exec(label ?? "")?.[1]);
    };
    const drawn = () => ana.page.$$eval('svg[role="img"] g.mark', (gs) => gs.length);
    const scrollToTop = () =>
      ana.page.$eval("#diagram-scroll", (el) => {
        el.scrollTop = 0;
      });
    let most = 0;
    await waitFor(
      async () => {
        most = Math.max(most, await drawn());
        if ((await held()) >= total) return true;
        await scrollToTop();
        return false;
      },
      { what: `all ${total} events in the diagram`, timeoutMs: 20_000 },
    );
    await scrollToTop();
    await waitFor(async () => (await ana.page.$('g.mark[data-seq="1"]')) !== null, {
      what: "the first event drawn",
    });
    most = Math.max(most, await drawn());
    // A few dozen rows fit the view: the rest of the 3,002 are not in the DOM.
    expect(most).toBeLessThan(100);
    const titles = await ana.page.$$eval('svg[role="img"] g.mark title', (ts) =>
      ts.map((t) => t.textContent),
    );
    const log = (await history({ adminUrl })).slice(0, titles.length);
    expect(titles).toEqual(
      log.map((e) => `seq ${e.seq} · logical time ${e.logicalTime} · ${e.kind} · ${e.name}`),
    );
    expect(ana.errors).toEqual([]);
  });
});

describe("the chat page over HTTPS", () => {
  test("with --tls-cert the page is served over HTTPS and chats over wss:", async () => {
    const cert = selfSignedCertificate(h.dir());
    const server = await h.server(h.dbPath(), [
      "--tls-cert",
      cert.certPath,
      "--tls-key",
      cert.keyPath,
    ]);
    expect(server.adminUrl).toStartWith("https://");
    // Trust exactly this certificate, by its public key.
    const spki = createHash("sha256")
      .update(
        new X509Certificate(readFileSync(cert.certPath)).publicKey.export({
          type: "spki",
          format: "der",
        }),
      )
      .digest("base64");
    await using tlsBrowser = await launchBrowser([`--ignore-certificate-errors-spki-list=${spki}`]);
    const ana = await tlsBrowser.open(`${server.adminUrl}/`);
    await joinAs(ana.page, "Ana");
    await say(ana.page, "over wss");
    const lines = await waitForLines(ana.page, 2);
    expect(lines.map((l) => l.text)).toEqual([
      expect.stringMatching(/^\[\d+\]Participant Ana joined Chit Chat at logical time \d+$/),
      expect.stringMatching(/^\[\d+\]Ana:over wss$/),
    ]);
    expect(await ana.page.evaluate("location.protocol")).toBe("https:");
    expect(ana.errors).toEqual([]);
  });
});
