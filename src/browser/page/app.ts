// The chat page: the shared session logic (src/client/chat-session.ts) over the
// /ws transport, a transcript and the Lamport diagram. Chat text only ever
// reaches the page as textContent: nothing from the chat is parsed as HTML.
import { type ChatSession, createSession, type SessionStatus } from "../../client/chat-session.ts";
import type { ChatEventRecord, EventJson } from "../../protocol/events.ts";
import { checkMessage, MAX_MESSAGE_CHARS } from "../../protocol/validation.ts";
import { createWsTransport } from "../ws-transport.ts";
import { createDiagram } from "./diagram.ts";
import { clear, KEEP_EVENTS, load, type Stored, save } from "./storage.ts";

const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const joinForm = byId<HTMLFormElement>("join-form");
const nameBox = byId<HTMLInputElement>("name");
const sendForm = byId<HTMLFormElement>("send-form");
const messageBox = byId<HTMLInputElement>("message");
const count = byId<HTMLSpanElement>("count");
const leaveButton = byId<HTMLButtonElement>("leave");
const transcript = byId<HTMLOListElement>("transcript");
const statusLine = byId<HTMLDivElement>("status");
const errorLine = byId<HTMLDivElement>("error");
const who = byId<HTMLSpanElement>("who");

const url = `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}/ws`;

const diagram = createDiagram({
  svg: document.getElementById("diagram") as unknown as SVGSVGElement,
  scroller: byId("diagram-scroll"),
  detail: byId("detail"),
  loadOlder: async (before) => {
    const response = await fetch(`/history?before=${before}&limit=200`);
    // With --admin-token, /history is the operators': the diagram starts at our JOIN.
    if (response.status === 401) return [];
    if (!response.ok) throw new Error(`history: ${response.status}`);
    const page = (await response.json()) as { events: EventJson[] };
    return page.events.map(({ sentAt, ...e }) => ({ ...e, sentAtMs: Date.parse(sentAt) }));
  },
});

let session: ChatSession | undefined;
let shown: ChatEventRecord[] = [];

function showError(sentence: string): void {
  errorLine.textContent = sentence;
}

function line(e: ChatEventRecord): HTMLLIElement {
  const li = document.createElement("li");
  li.className = e.kind;
  li.dataset.seq = String(e.seq);
  const meta = document.createElement("span");
  meta.className = "meta";
  meta.textContent = `[${e.logicalTime}]`;
  li.append(meta);
  if (e.kind === "message") {
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = `${e.name}:`;
    const text = document.createElement("span");
    text.className = "text";
    text.textContent = e.content;
    li.append(name, text);
  } else li.append(document.createTextNode(e.content));
  return li;
}

/** Transcript lines kept on the page; older ones stay in the diagram. */
const MAX_LINES = 1000;

function show(events: readonly ChatEventRecord[]): void {
  const atBottom = transcript.scrollTop + transcript.clientHeight >= transcript.scrollHeight - 40;
  transcript.append(...events.map(line));
  while (transcript.childElementCount > MAX_LINES) transcript.firstElementChild?.remove();
  if (atBottom) transcript.scrollTop = transcript.scrollHeight;
  diagram.add(events);
}

function persist(): void {
  const saved = session?.saved();
  if (saved) save(saved, shown);
}

function updateClock(): void {
  if (session?.info) diagram.setViewer(session.info.participantId, session.time);
}

function describeStatus(status: SessionStatus): string {
  switch (status.type) {
    case "connected":
      return status.resumed ? `Reconnected; resumed after logical time ${status.since}.` : "";
    case "reconnecting":
      return `Connection lost (${status.reason}); reconnecting in ${status.delayMs} ms.`;
    case "gap":
    case "behind":
      return "Some events went missing on the way; fetching them again.";
    default:
      return "";
  }
}

function inChat(joined: boolean): void {
  joinForm.hidden = joined;
  sendForm.hidden = !joined;
  leaveButton.hidden = !joined;
  if (joined) messageBox.focus();
  else nameBox.focus();
}

function start(name: string): ChatSession {
  errorLine.textContent = "";
  const s = createSession({
    transport: createWsTransport({ url }),
    name,
    onEvent: (e) => {
      const { replayed: _, ...record } = e;
      shown.push(record);
      if (shown.length > 2 * KEEP_EVENTS) shown = shown.slice(-KEEP_EVENTS);
      show([record]);
      persist();
      updateClock();
    },
    onStatus: (status) => {
      if (status.type === "error" || status.type === "ended") return;
      statusLine.textContent = describeStatus(status);
    },
  });
  session = s;
  void s.done.then((end) => {
    if (session !== s) return;
    session = undefined;
    clear();
    inChat(false);
    who.textContent = "";
    diagram.setViewer(undefined, 0);
    statusLine.textContent = end.reason === "left" ? "You left the chat." : "";
    if (end.reason === "failed") showError(`The session ended: ${end.error.message}.`);
  });
  return s;
}

function joined(s: ChatSession): void {
  const info = s.info;
  if (!info) return;
  who.textContent = `you are ${info.name}`;
  inChat(true);
  persist();
  updateClock();
}

joinForm.addEventListener("submit", (event) => {
  event.preventDefault();
  if (session) return;
  const s = start(nameBox.value);
  shown = [];
  transcript.replaceChildren();
  diagram.reset();
  s.join().then(
    () => joined(s),
    (error: Error) => {
      // A refused join leaves nothing to resume: the form is ready for another try.
      if (session === s) session = undefined;
      s.close();
      showError(`Could not join: ${error.message}.`);
    },
  );
});

messageBox.addEventListener("input", () => {
  const n = [...messageBox.value].length;
  count.textContent = `${n}/${MAX_MESSAGE_CHARS}`;
  count.classList.toggle("over", n > MAX_MESSAGE_CHARS);
});

sendForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const s = session;
  if (!s) return;
  const content = messageBox.value;
  // The rule is checked here, before anything is sent.
  const checked = checkMessage(content);
  if (!checked.ok) {
    showError(`Not sent: ${checked.reason}.`);
    return;
  }
  errorLine.textContent = "";
  messageBox.value = "";
  count.textContent = `0/${MAX_MESSAGE_CHARS}`;
  s.publish(content).then(
    () => {
      persist();
      updateClock();
    },
    (error: Error) => showError(`Not sent: ${error.message}.`),
  );
});

leaveButton.addEventListener("click", () => {
  session?.leave().catch((error: Error) => showError(`Could not leave: ${error.message}.`));
});

// A reload: take the stored session up again, without a new JOIN.
const stored: Stored | undefined = load();
if (stored) {
  shown = stored.events;
  show(shown);
  const s = start(stored.saved.info.name);
  s.resume(stored.saved).then(
    () => joined(s),
    (error: Error) => showError(`Could not resume: ${error.message}.`),
  );
} else inChat(false);
