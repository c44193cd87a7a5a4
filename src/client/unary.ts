import { type ClientUnaryCall, Metadata, type requestCallback } from "@grpc/grpc-js";

/**
 * Call metadata. `token` adds `authorization: Bearer <token>` (Subscribe,
 * Publish, Leave); `waitForReady` makes the call wait for a connection until
 * its deadline instead of failing at once while the server is away.
 */
export function callMetadata(token?: string, waitForReady = false): Metadata {
  const metadata = new Metadata({ waitForReady });
  if (token !== undefined) metadata.set("authorization", `Bearer ${token}`);
  return metadata;
}

/**
 * Runs a unary call as a promise. The call sits in `active` while it runs,
 * so whoever owns the set can cancel everything at once.
 */
export function unary<T>(
  start: (callback: requestCallback<T>) => ClientUnaryCall,
  active: Set<ClientUnaryCall>,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const call = start((error, value) => {
      active.delete(call);
      if (error) reject(error);
      else if (value === undefined) reject(new Error("empty response"));
      else resolve(value);
    });
    active.add(call);
  });
}

/** A deadline `ms` from now. */
export function deadlineIn(ms: number): Date {
  return new Date(Date.now() + ms);
}
