// The admin API over real HTTP beside a real server carrying real gRPC traffic.
import { afterEach, describe, expect, test } from "bun:test";
import { type EventJson, toEventJson } from "../../src/protocol/events.ts";
import { wholeLog } from "../support/events.ts";
import { grpcError, type Joined, publishMany } from "../support/grpc-client.ts";
import { Harness } from "../support/harness.ts";
import { getJson, scrape } from "../support/http.ts";
import type { TestServer } from "../support/server.ts";
import { defined } from "../support/values.ts";
import { waitFor } from "../support/wait.ts";

const h = new Harness();
afterEach(() => h.dispose());

interface HistoryPage {
  logId: string;
  events: EventJson[];
  next: number | null;
  previous: number | null;
}

interface ParticipantJson {
  id: string;
  name: string;
  status: string;
  joinedSeq: number;
  joinedLogicalTime: number;
  leftSeq: number | null;
  leftLogicalTime: number | null;
}

async function adminServer(
  options: { leaveGraceMs?: number } = {},
): Promise<TestServer & { adminUrl: string }> {
  const server = await h.start({ ...options, admin: {} });
  return { ...server, adminUrl: defined(server.adminUrl) };
}

/** The whole log as the admin API should show it. */
function expectedHistory(server: TestServer): EventJson[] {
  return wholeLog(server).map(toEventJson);
}

describe("GET /history", () => {
  test("pages forwards and backwards across a 1000-event log", async () => {
    const server = await adminServer();
    const client = h.client(server.address);
    const bo = await client.join("Bo");
    await publishMany(client, bo, 999, { prefix: "hej" });
    const all = expectedHistory(server);
    expect(all).toHaveLength(1000);

    const forwards: EventJson[] = [];
    let since: number | null = 0;
    let pages = 0;
    while (since !== null) {
      const { status, body }: { status: number; body: HistoryPage } = await getJson<HistoryPage>(
        server.adminUrl,
        `/history?since=${since}&limit=130`,
      );
      expect(status).toBe(200);
      expect(body.logId).toBe(server.log.logId);
      expect(body.events.length).toBeLessThanOrEqual(130);
      forwards.push(...body.events);
      since = body.next;
      pages += 1;
    }
    expect(pages).toBe(8);
    expect(forwards).toEqual(all);

    const backwards: EventJson[][] = [];
    let before: number | null = defined(all.at(-1)).logicalTime + 1;
    while (before !== null) {
      const page: { body: HistoryPage } = await getJson<HistoryPage>(
        server.adminUrl,
        `/history?before=${before}&limit=50`,
      );
      const body = page.body;
      expect(body.events).toHaveLength(50);
      backwards.unshift(body.events);
      before = body.previous;
    }
    expect(backwards).toHaveLength(20);
    expect(backwards.flat()).toEqual(all);
  });

  test("since=5 answers the events after logical time 5, oldest first", async () => {
    const server = await adminServer();
    const client = h.client(server.address);
    const bo = await client.join("Bo");
    await publishMany(client, bo, 9, { concurrency: 1 });
    const { body } = await getJson<HistoryPage>(server.adminUrl, "/history?since=5");
    expect(body).toEqual({
      logId: server.log.logId,
      events: expectedHistory(server).filter((e) => e.logicalTime > 5),
      next: null,
      previous: 6,
    });
    expect(body.events[0]?.sentAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(body.events.map((e) => [e.kind, e.name, e.content])).toEqual(
      [4, 5, 6, 7, 8].map((i) => ["message", "Bo", `m ${i}`]),
    );
    // Default limit 100, a full page says where the next one starts.
    await publishMany(client, bo, 200);
    const page = await getJson<HistoryPage>(server.adminUrl, "/history");
    expect(page.body.events).toHaveLength(100);
    expect(page.body.next).toBe(defined(page.body.events.at(-1)).logicalTime);
    expect(page.body.previous).toBeNull();
  });

  test("an empty log has an empty history", async () => {
    const server = await adminServer();
    expect(await getJson(server.adminUrl, "/history")).toEqual({
      status: 200,
      body: { logId: server.log.logId, events: [], next: null, previous: null },
    });
  });
});

describe("GET /participants", () => {
  test("follows joins, streams, vanished streams and leaves", async () => {
    const server = await adminServer({ leaveGraceMs: 300 });
    const get = async (query = "") =>
      (await getJson<{ participants: ParticipantJson[] }>(server.adminUrl, `/participants${query}`))
        .body.participants;
    expect(await get()).toEqual([]);

    const client = h.client(server.address);
    const bo = await client.join("Bo");
    const row = (who: Joined, status: string, left: [number, number] | null = null) => ({
      id: who.participantId,
      name: who.name,
      status,
      joinedSeq: who.seq,
      joinedLogicalTime: who.logicalTime,
      leftSeq: left?.[0] ?? null,
      leftLogicalTime: left?.[1] ?? null,
      // The server holding it: this one, while it is in the chat.
      server: left ? null : { id: server.server.hub.serverId, address: server.address },
    });
    // Joined but not streaming yet: present, within the grace.
    expect(await get()).toEqual([row(bo, "grace")]);
    const boStream = client.subscribe(bo);
    await boStream.waitForCount(1);
    const ana = await client.join("Ana");
    const anaStream = client.subscribe(ana);
    await anaStream.waitForCount(1);
    expect(await get()).toEqual([row(bo, "connected"), row(ana, "connected")]);

    const leave = await client.leave(ana);
    expect(await get()).toEqual([row(bo, "connected")]);
    expect(await get("?all=1")).toEqual([
      row(bo, "connected"),
      row(ana, "left", [leave.seq, leave.logicalTime]),
    ]);

    // Bo's stream vanishes: within the grace, then gone with a LEAVE in the log.
    boStream.cancel();
    await waitFor(async () => (await get())[0]?.status === "grace", { what: "Bo in the grace" });
    await waitFor(async () => (await get()).length === 0, { what: "Bo announced as left" });
    const boLeave = defined(
      wholeLog(server).find((e) => e.kind === "leave" && e.participantId === bo.participantId),
    );
    expect(await get("?all=true")).toEqual([
      row(bo, "left", [boLeave.seq, boLeave.logicalTime]),
      row(ana, "left", [leave.seq, leave.logicalTime]),
    ]);
  });
});

describe("GET /healthz and /metrics", () => {
  test("health reports the log's position and who is connected; 503 once stopping", async () => {
    const server = await adminServer();
    const client = h.client(server.address);
    const bo = await client.join("Bo");
    const stream = client.subscribe(bo);
    await stream.waitForCount(1);
    await client.publish(bo, "hej");
    expect(await getJson(server.adminUrl, "/healthz")).toEqual({
      status: 200,
      body: {
        status: "serving",
        logId: server.log.logId,
        seq: 2,
        logicalTime: 2,
        participants: 1,
        subscribers: 1,
        serverId: server.server.hub.serverId,
        database: "reachable",
      },
    });
    // The server shuts down but the admin API still answers until it is stopped.
    await server.server.shutdown();
    const stopping = await getJson<{ status: string }>(server.adminUrl, "/healthz");
    expect([stopping.status, stopping.body.status]).toEqual([503, "stopping"]);
  });

  test("counters move as events flow", async () => {
    const server = await adminServer();
    const client = h.client(server.address);
    const before = await scrape(server.adminUrl);
    expect(before.get('chitchat_events_appended_total{kind="message"}')).toBe(0);
    expect(before.get("chitchat_subscribers")).toBe(0);

    const bo = await client.join("Bo");
    const stream = client.subscribe(bo, { since: 0 });
    await stream.waitForCount(1);
    await publishMany(client, bo, 20);
    await grpcError(client.publish(bo, ""));
    await grpcError(client.publish(bo, "x".repeat(129)));
    const ana = await client.join("Ana");
    await grpcError(client.publish({ ...bo, metadata: ana.metadata }, "hi"));
    await stream.waitForCount(22);
    // A resume from logical time 1 replays what came after it.
    stream.cancel();
    const resumed = client.subscribe(bo, { since: 1 });
    await resumed.waitForCount(21);
    // Ana's first stream starts just before her JOIN: not a resume.
    const anaStream = client.subscribe(ana);
    await anaStream.waitForCount(1);

    const after = await scrape(server.adminUrl);
    expect({
      joins: after.get('chitchat_events_appended_total{kind="join"}'),
      messages: after.get('chitchat_events_appended_total{kind="message"}'),
      leaves: after.get('chitchat_events_appended_total{kind="leave"}'),
      invalid: after.get('chitchat_publishes_rejected_total{reason="invalid_argument"}'),
      unauthenticated: after.get('chitchat_publishes_rejected_total{reason="unauthenticated"}'),
      resumes: after.get("chitchat_resumes_total"),
      subscribers: after.get("chitchat_subscribers"),
      participants: after.get("chitchat_participants"),
      commits: after.get("chitchat_append_commit_seconds_count"),
      fannedOut: after.get("chitchat_publish_fanout_seconds_count"),
    }).toEqual({
      joins: 2,
      messages: 20,
      leaves: 0,
      invalid: 2,
      unauthenticated: 1,
      resumes: 1,
      subscribers: 2,
      participants: 2,
      commits: expect.any(Number),
      fannedOut: 20,
    });
    // Replayed from the log: Bo's JOIN, the 21 events after it on resume, Ana's JOIN.
    expect(after.get("chitchat_replayed_events_total")).toBe(23);
    expect(after.get("chitchat_append_commit_seconds_count")).toBeGreaterThanOrEqual(2);
    expect(after.get("chitchat_append_batch_events_sum")).toBe(22);
  });
});

describe("GET /servers", () => {
  test("a server on its own log lists itself, with its gRPC address and admin URL", async () => {
    const server = await adminServer();
    const before = Date.now();
    type ServerJson = Record<string, unknown> & { renewedAt: string; startedAt: string };
    const { status, body } = await getJson<{ logId: string; servers: ServerJson[] }>(
      server.adminUrl,
      "/servers",
    );
    expect(status).toBe(200);
    const [self] = body.servers;
    expect(body).toEqual({
      logId: server.log.logId,
      servers: [
        {
          id: server.server.hub.serverId,
          address: server.address,
          adminUrl: null,
          startedAt: defined(self).startedAt,
          renewedAt: defined(self).renewedAt,
          self: true,
        },
      ],
    });
    expect(Date.parse(defined(self).renewedAt)).toBeGreaterThanOrEqual(before - 1);
    expect(Date.parse(defined(self).startedAt)).toBeLessThanOrEqual(
      Date.parse(defined(self).renewedAt),
    );
  });
});
