/** A child's output stream, collected as text while it arrives. */
export interface Output {
  readonly text: string;
  /** The non-empty lines so far. */
  readonly lines: string[];
  /** Resolves once the stream is closed and fully read. */
  readonly closed: Promise<void>;
}

export function collect(stream: ReadableStream<Uint8Array>): Output {
  let text = "";
  const decoder = new TextDecoder();
  const closed = (async () => {
    for await (const chunk of stream) text += decoder.decode(chunk, { stream: true });
    text += decoder.decode();
  })();
  return {
    get text() {
      return text;
    },
    get lines() {
      return text.split("\n").filter((line) => line.length > 0);
    },
    closed,
  };
}
