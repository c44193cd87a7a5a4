// The live Lamport diagram: one lane per participant, every event a mark on its
// sender's lane in log order, labelled with its logical time. Only the rows in
// view are drawn, so a log of many thousands of events scrolls smoothly; older
// events are paged in when the view reaches the top.
import type { ChatEventRecord } from "../../protocol/events.ts";

const SVG = "http://www.w3.org/2000/svg";
const ROW = 22;
const TOP = 40;
const LEFT = 64;
const LANE = 96;
const OVERSCAN = 10;

export interface DiagramOptions {
  svg: SVGSVGElement;
  scroller: HTMLElement;
  detail: HTMLElement;
  /** Older events: the page of events with logical time < `before`, oldest first ([] at the start). */
  loadOlder: (before: number) => Promise<ChatEventRecord[]>;
}

export interface Diagram {
  /** Appends events newer than every event shown (log order). */
  add(events: readonly ChatEventRecord[]): void;
  /** The viewer: its lane shows its Lamport clock. */
  setViewer(participantId: string | undefined, clock: number): void;
  /** Forgets everything (a new session). */
  reset(): void;
  /** How many events the diagram holds (drawn or not). */
  readonly size: number;
}

function el<K extends keyof SVGElementTagNameMap>(
  name: K,
  attrs: Record<string, string | number>,
  text?: string,
): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** What a mark's <title> says: seq, logical time, kind and participant. */
export function markTitle(e: ChatEventRecord): string {
  return `seq ${e.seq} · logical time ${e.logicalTime} · ${e.kind} · ${e.name}`;
}

export function createDiagram({ svg, scroller, detail, loadOlder }: DiagramOptions): Diagram {
  let events: ChatEventRecord[] = [];
  const lanes = new Map<string, { index: number; name: string }>();
  let viewer: string | undefined;
  let clock = 0;
  let scheduled = false;
  let loading = false;
  let startReached = false;
  let generation = 0;

  const laneOf = (e: ChatEventRecord) => {
    let lane = lanes.get(e.participantId);
    if (!lane) {
      lane = { index: lanes.size, name: e.name };
      lanes.set(e.participantId, lane);
    }
    return lane;
  };
  const x = (index: number) => LEFT + index * LANE + LANE / 2;
  /** The row of the first event with a logical time past `time` (events.length if none). */
  const firstAfter = (time: number) => {
    let lo = 0;
    let hi = events.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((events[mid] as ChatEventRecord).logicalTime > time) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
  const y = (row: number) => TOP + row * ROW + ROW / 2;

  function describe(): void {
    svg.setAttribute(
      "aria-label",
      `Lamport diagram of the chat log: ${events.length} events on ${lanes.size} lanes` +
        (viewer ? `; your clock is ${clock}` : ""),
    );
  }

  function showDetail(e: ChatEventRecord): void {
    detail.textContent = `${markTitle(e)}\n${e.content}\n${new Date(e.sentAtMs).toISOString()}`;
  }

  function mark(e: ChatEventRecord, row: number): SVGGElement {
    const lane = laneOf(e);
    const cx = x(lane.index);
    const cy = y(row);
    const g = el("g", { class: `mark ${e.kind}`, tabindex: 0, "data-seq": e.seq });
    if (e.kind === "join") g.append(el("circle", { cx, cy, r: 7 }));
    else if (e.kind === "leave") {
      g.append(el("path", { d: `M${cx - 7},${cy - 7} L${cx + 7},${cy - 7} L${cx},${cy + 7} Z` }));
    } else g.append(el("rect", { x: cx - 6, y: cy - 6, width: 12, height: 12 }));
    g.append(el("title", {}, markTitle(e)));
    g.addEventListener("mouseenter", () => showDetail(e));
    g.addEventListener("focus", () => showDetail(e));
    return g;
  }

  function draw(): void {
    scheduled = false;
    const width = LEFT + Math.max(1, lanes.size) * LANE;
    const height = TOP + events.length * ROW + ROW * 2;
    svg.setAttribute("width", String(width));
    svg.setAttribute("height", String(height));
    svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
    const first = Math.max(0, Math.floor((scroller.scrollTop - TOP) / ROW) - OVERSCAN);
    const last = Math.min(
      events.length,
      Math.ceil((scroller.scrollTop + scroller.clientHeight - TOP) / ROW) + OVERSCAN,
    );
    const top = scroller.scrollTop;
    const bottom = top + scroller.clientHeight;
    const parts: SVGElement[] = [];
    for (const [id, lane] of lanes) {
      parts.push(
        el("line", { class: "lane", x1: x(lane.index), x2: x(lane.index), y1: top, y2: bottom }),
      );
      if (id === viewer) {
        // The viewer's clock: a dashed mark on its lane where that logical time falls.
        const cy = TOP + firstAfter(clock) * ROW;
        parts.push(
          el("line", {
            class: "clock",
            x1: x(lane.index) - 20,
            x2: x(lane.index) + 20,
            y1: cy,
            y2: cy,
          }),
        );
      }
    }
    for (let row = first; row < last; row++) {
      const e = events[row] as ChatEventRecord;
      parts.push(
        el(
          "text",
          { class: "lt", x: LEFT - 8, y: y(row) + 4, "text-anchor": "end" },
          `L${e.logicalTime}`,
        ),
      );
      parts.push(mark(e, row));
    }
    // Lane names stay on top of the view, with the viewer's clock under its own.
    parts.push(el("rect", { x: 0, y: top, width, height: TOP - 6, fill: "#fff" }));
    for (const [id, lane] of lanes) {
      parts.push(
        el(
          "text",
          { class: "lane-name", x: x(lane.index), y: top + 15, "text-anchor": "middle" },
          lane.name,
        ),
      );
      if (id === viewer) {
        parts.push(
          el(
            "text",
            { class: "clock-label", x: x(lane.index), y: top + 29, "text-anchor": "middle" },
            `clock ${clock}`,
          ),
        );
      }
    }
    svg.replaceChildren(...parts);
    describe();
    if (top < ROW * 2) void older();
  }

  function schedule(): void {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(draw);
  }

  async function older(): Promise<void> {
    const oldest = events[0];
    if (loading || startReached || !oldest || oldest.seq <= 1) return;
    loading = true;
    const gen = generation;
    try {
      const page = await loadOlder(oldest.logicalTime);
      if (gen !== generation) return;
      const fresh = page.filter((e) => e.seq < oldest.seq);
      if (fresh.length === 0) {
        startReached = true;
        return;
      }
      // Lanes keep their order of first appearance in the log.
      lanes.clear();
      events = [...fresh, ...events];
      for (const e of events) laneOf(e);
      scroller.scrollTop += fresh.length * ROW;
      schedule();
    } catch {
      // Not worth an error: the older page is asked for again on the next scroll.
    } finally {
      loading = false;
    }
  }

  scroller.addEventListener("scroll", schedule, { passive: true });
  window.addEventListener("resize", schedule);

  return {
    add(added) {
      if (added.length === 0) return;
      const atBottom =
        scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - ROW * 2;
      for (const e of added) {
        const newest = events[events.length - 1];
        if (newest && e.seq <= newest.seq) continue;
        laneOf(e);
        events.push(e);
      }
      schedule();
      if (atBottom) {
        requestAnimationFrame(() => {
          scroller.scrollTop = scroller.scrollHeight;
        });
      }
    },
    setViewer(participantId, time) {
      viewer = participantId;
      clock = time;
      schedule();
    },
    reset() {
      generation += 1;
      events = [];
      lanes.clear();
      viewer = undefined;
      clock = 0;
      startReached = false;
      detail.textContent = "";
      schedule();
    },
    get size() {
      return events.length;
    },
  };
}
