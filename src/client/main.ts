// `bun run client --name Bo`: the only client file that reads argv/env, installs
// signal handlers and exits. The session below knows nothing of terminals.

import { readFileSync } from "node:fs";
import { type ChannelCredentials, credentials } from "@grpc/grpc-js";
import { configOrExit } from "../cli/flags.ts";
import { checkMessage } from "../protocol/validation.ts";
import { parseClientConfig } from "./cli-config.ts";
import { HELP_LINES, parseCommand } from "./commands.ts";
import { createDiagnostics } from "./diagnostics.ts";
import { type LogFile, openLogFile } from "./log-file.ts";
import {
  colorEnabled,
  formatEvent,
  formatHistory,
  formatLogLine,
  formatParticipants,
  formatStatus,
  sanitize,
} from "./render.ts";
import { createChatSession } from "./session.ts";
import { createTerminal } from "./terminal.ts";

const config = configOrExit(
  parseClientConfig(process.argv.slice(2), process.env),
  "chitchat client",
);

// The client's own notes (stderr) follow --log-format; the chat (stdout) stays human.
const diagnostics = createDiagnostics(config.logFormat, process.stderr);

let logFile: LogFile;
try {
  logFile = openLogFile(config.logFile);
} catch (error) {
  diagnostics.fatal(`cannot open the log file: ${(error as Error).message}`);
  process.exit(1);
}

let channelCredentials: ChannelCredentials;
try {
  channelCredentials = config.tlsCa
    ? credentials.createSsl(readFileSync(config.tlsCa))
    : credentials.createInsecure();
} catch (error) {
  diagnostics.fatal(`cannot read --tls-ca: ${(error as Error).message}`);
  process.exit(1);
}

const terminal = createTerminal({
  input: process.stdin,
  output: process.stdout,
  errors: diagnostics.notes,
});
// A reader that went away (`| head`) is not our failure.
process.stdout.on("error", () => {});
const color = colorEnabled(config.color, process.stdout.isTTY, process.env);

const session = createChatSession({
  server: config.server,
  name: config.name,
  since: config.since,
  connectTimeoutMs: config.connectTimeoutMs,
  credentials: channelCredentials,
  onSwitch(from, to, why) {
    terminal.note(`moving from ${from} to ${to}: ${sanitize(why)}`);
  },
  onEvent(event) {
    logFile.write(formatLogLine(event));
    terminal.show(formatEvent(event, { color }));
  },
  onStatus(status) {
    // A final error is reported once, by whoever ends the process.
    if (status.type === "error") return;
    const line = formatStatus(status);
    if (line) terminal.note(line);
  },
});

function flush(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (!stream.writable) resolve();
    else stream.write("", () => resolve());
  });
}

let exiting = false;
async function exit(code: number, message?: string): Promise<never> {
  if (!exiting) {
    exiting = true;
    terminal.close();
    if (message) diagnostics.fatal(sanitize(message));
    logFile.close();
    await Promise.all([flush(process.stdout), flush(process.stderr)]);
  }
  process.exit(code);
}

/** Commands waiting for the server's answer; leaving waits for them, so none is lost. */
const answering = new Set<Promise<void>>();
function answer(command: string, work: () => Promise<string[]>): void {
  const running: Promise<void> = work()
    .then((lines) => {
      for (const line of lines) terminal.show(line);
    })
    .catch((error: Error) => terminal.note(`${command} failed: ${error.message}`))
    .finally(() => answering.delete(running));
  answering.add(running);
}

let leaving = false;
async function quit(): Promise<void> {
  if (leaving) {
    // A second Ctrl-C: stop waiting.
    session.close();
    await exit(1, "left without waiting for the server");
    return;
  }
  leaving = true;
  terminal.close();
  if (session.state === "new" || session.state === "joining") {
    session.close();
    await exit(1, "interrupted before joining");
  }
  await Promise.allSettled(answering);
  try {
    // leave() first waits until every line already handed to publish() is acknowledged.
    await session.leave();
  } catch (error) {
    await exit(1, `leave failed: ${(error as Error).message}`);
  }
  await exit(0);
}

process.on("SIGINT", () => void quit());
process.on("SIGTERM", () => void quit());

try {
  const info = await session.join();
  terminal.note(
    `joined ${config.server} as ${sanitize(info.name)} at logical time ${info.logicalTime}` +
      (terminal.interactive ? "; type a message and press Enter, /help for the commands" : ""),
  );
} catch (error) {
  await exit(1, `cannot join: ${(error as Error).message}`);
}

session.done.then(async (end) => {
  if (leaving) return;
  if (end.reason === "failed") await exit(1, `the chat cannot go on: ${end.error.message}`);
  else await exit(0);
});

terminal.start({
  line(line) {
    if (leaving) return;
    const command = parseCommand(line);
    switch (command.type) {
      case "quit":
        void quit();
        return;
      case "help":
        for (const text of HELP_LINES) terminal.show(text);
        return;
      case "who":
        answer("/who", async () =>
          formatParticipants(await session.participants(), session.info?.participantId, { color }),
        );
        return;
      case "history":
        answer("/history", async () =>
          formatHistory(await session.history(command.count), { color }),
        );
        return;
      case "refused":
        terminal.note(`not sent: ${command.reason}`);
        return;
      case "send": {
        const checked = checkMessage(command.text);
        if (!checked.ok) {
          terminal.note(`not sent: ${checked.reason}`);
          return;
        }
        session
          .publish(command.text)
          .catch((error: Error) => terminal.note(`not sent: ${error.message}`));
      }
    }
  },
  end: () => void quit(),
  interrupt: () => void quit(),
});
