import type * as grpc from "@grpc/grpc-js";
import type { PublishRequest, PublishResult__Output } from "../../src/protocol/proto.ts";
import type { TestClient } from "./grpc-client.ts";
import { waitFor } from "./wait.ts";

/** A recorded PublishStream: requests go in with `send`, results and the status are kept. */
export interface ResultRecorder {
  call: grpc.ClientDuplexStream<PublishRequest, PublishResult__Output>;
  results: PublishResult__Output[];
  status: grpc.StatusObject | undefined;
  send(request: PublishRequest): void;
  /** Starts taking results (a stream opened with `read: false` takes none until then). */
  read(): void;
  waitForResults(n: number, timeoutMs?: number): Promise<PublishResult__Output[]>;
  waitForEnd(timeoutMs?: number): Promise<grpc.StatusObject>;
}

const open = new Set<ResultRecorder>();

/** Opens a PublishStream; with `read: false` nothing is read until `read()`. */
export function publishStream(
  client: TestClient,
  metadata: grpc.Metadata,
  { read = true }: { read?: boolean } = {},
): ResultRecorder {
  const call = client.raw.PublishStream(metadata);
  const recorder: ResultRecorder = {
    call,
    results: [],
    status: undefined,
    send: (request) => {
      call.write(request);
    },
    read: () => {
      call.on("data", (result: PublishResult__Output) => recorder.results.push(result));
      // A listener alone does not restart a stream that was paused explicitly.
      call.resume();
    },
    waitForResults: (n, timeoutMs = 20_000) =>
      waitFor(() => recorder.results.length >= n && recorder.results, {
        timeoutMs,
        what: `${n} results (have ${recorder.results.length}, status ${recorder.status?.code})`,
      }),
    waitForEnd: (timeoutMs = 20_000) =>
      waitFor(() => recorder.status, { timeoutMs, what: "the stream to end" }),
  };
  call.on("error", () => {});
  call.on("status", (status) => {
    recorder.status = status;
    open.delete(recorder);
  });
  if (read) recorder.read();
  open.add(recorder);
  return recorder;
}

/** Cancels every stream still open (afterEach, before the harness stops servers). */
export function cancelPublishStreams(): void {
  for (const recorder of [...open]) {
    open.delete(recorder);
    recorder.call.cancel();
  }
}
