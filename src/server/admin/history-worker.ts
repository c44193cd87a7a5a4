// The /history reader thread: its own read-only connection, pages serialized here.
import { type LogReader, openLogReader } from "../../store/reader.ts";
import { type HistoryRequest, readHistoryPage } from "./history.ts";

declare const self: Worker;

let reader: LogReader | undefined;

self.onmessage = (
  event: MessageEvent<{ open: string } | { id: number; request: HistoryRequest }>,
) => {
  const message = event.data;
  if ("open" in message) {
    reader = openLogReader(message.open);
    return;
  }
  try {
    if (!reader) throw new Error("no log open");
    postMessage({ id: message.id, page: readHistoryPage(reader, message.request) });
  } catch (error) {
    postMessage({ id: message.id, error: (error as Error).message });
  }
};
