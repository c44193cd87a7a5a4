import { expect } from "bun:test";
import type * as grpc from "@grpc/grpc-js";
import { grpcError, type Recorder } from "./grpc-client.ts";

/** Expects the call to fail with exactly this status code and sentence. */
export async function expectStatus(
  promise: Promise<unknown>,
  code: grpc.status,
  details: string,
): Promise<void> {
  const error = await grpcError(promise);
  expect({ code: error.code, details: error.details }).toEqual({ code, details });
}

/** Expects a Subscribe stream to end with exactly this status code and sentence. */
export async function expectStreamStatus(
  recorder: Recorder,
  code: grpc.status,
  details: string,
): Promise<void> {
  const end = await recorder.waitForEnd();
  expect({ code: end.code, details: end.details, events: recorder.events }).toEqual({
    code,
    details,
    events: [],
  });
}
