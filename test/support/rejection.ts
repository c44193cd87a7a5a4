/**
 * What a promise rejected with, or a failure if it resolved (bun's
 * `expect().rejects` has stalled on pending gRPC calls).
 */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error("expected a rejection, but the promise resolved");
    },
    (error: unknown) => error,
  );
}
