// Preloaded into a server by bench/probes/idle-heap.ts (`bun --preload`): on
// SIGUSR2 it runs a full collection and writes the JS heap's figures to the
// file named by HEAP_PROBE_OUT. Nothing happens without that variable.

import { heapStats } from "bun:jsc";
import { writeFileSync } from "node:fs";

const out = process.env.HEAP_PROBE_OUT;
if (out) {
  process.on("SIGUSR2", () => {
    const before = heapStats();
    Bun.gc(true);
    const after = heapStats();
    writeFileSync(
      out,
      JSON.stringify({
        capacityBefore: before.heapCapacity,
        live: after.heapSize,
        capacity: after.heapCapacity,
        extra: after.extraMemorySize,
        objects: after.objectCount,
      }),
    );
  });
}
