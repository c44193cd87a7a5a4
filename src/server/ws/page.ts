// The chat page: its HTML, and its TypeScript (src/browser/page/app.ts)
// bundled by Bun when the server starts, held in memory. Nothing to build by hand.
import { fileURLToPath } from "node:url";

export interface ChatPage {
  html: string;
  /** The page's script, one ES module. */
  js: string;
}

/** What the page may load and talk to: itself and its own WebSocket, nothing inline but style. */
export const PAGE_CSP =
  "default-src 'self'; script-src 'self'; connect-src 'self' ws: wss:; style-src 'self' 'unsafe-inline'; img-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

let built: Promise<ChatPage> | undefined;

/** Bundles the page once per process (about 100 ms); later calls share the result. */
export function buildChatPage(): Promise<ChatPage> {
  built ??= (async () => {
    const entry = fileURLToPath(new URL("../../browser/page/app.ts", import.meta.url));
    const result = await Bun.build({ entrypoints: [entry], target: "browser", minify: true });
    const output = result.outputs[0];
    if (!result.success || !output) {
      throw new Error(`cannot bundle the chat page: ${result.logs.map(String).join("; ")}`);
    }
    const html = await Bun.file(new URL("../../browser/page/page.html", import.meta.url)).text();
    return { html, js: await output.text() };
  })();
  return built;
}
