import { clearLine, createInterface, cursorTo, type Interface } from "node:readline";

export interface TerminalOptions {
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  /** Where the chat goes (stdout). */
  output: NodeJS.WritableStream & { isTTY?: boolean };
  /** Where status lines go (stderr), so `output` holds exactly the chat. */
  errors: NodeJS.WritableStream;
  prompt?: string;
}

export interface TerminalHandlers {
  /** A line the user typed (or piped), without its newline. */
  line: (line: string) => void;
  /** End of input (Ctrl-D or the end of a pipe), after every line was handed over. */
  end: () => void;
  /** Ctrl-C while the terminal owns the keyboard. */
  interrupt: () => void;
}

/** Line input plus chat and status output that do not mangle the line being typed. */
export interface Terminal {
  /** Whether input and output are an interactive terminal (then there is a prompt). */
  readonly interactive: boolean;
  /** Starts reading lines. */
  start(handlers: TerminalHandlers): void;
  /** Prints a chat line on the output. */
  show(line: string): void;
  /** Prints a status line on the error output. */
  note(line: string): void;
  /** Stops reading; the end handler is not called for this. */
  close(): void;
}

export function createTerminal({
  input,
  output,
  errors,
  prompt = "> ",
}: TerminalOptions): Terminal {
  const interactive = Boolean(input.isTTY && output.isTTY);
  let rl: Interface | undefined;
  let closing = false;

  // On a terminal: wipe the half-typed line, print, then redraw prompt and typed text.
  function print(stream: NodeJS.WritableStream, line: string): void {
    if (rl && interactive) {
      clearLine(output, 0);
      cursorTo(output, 0);
      stream.write(`${line}\n`);
      rl.prompt(true);
    } else {
      stream.write(`${line}\n`);
    }
  }

  return {
    interactive,
    start(handlers) {
      const reader = createInterface({
        input,
        output: interactive ? output : undefined,
        terminal: interactive,
        prompt,
        crlfDelay: Number.POSITIVE_INFINITY,
      });
      rl = reader;
      reader.on("line", (line) => {
        handlers.line(line);
        if (!closing && interactive) reader.prompt();
      });
      reader.on("close", () => {
        rl = undefined;
        if (!closing) handlers.end();
      });
      reader.on("SIGINT", handlers.interrupt);
      if (interactive) reader.prompt();
    },
    show: (line) => print(output, line),
    note: (line) => print(errors, line),
    close() {
      closing = true;
      const reader = rl;
      rl = undefined;
      if (reader && interactive) {
        clearLine(output, 0);
        cursorTo(output, 0);
      }
      reader?.close();
    },
  };
}
