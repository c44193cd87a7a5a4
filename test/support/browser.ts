// Headless Chromium (Debian's `chromium`) driven by puppeteer-core: the browser
// tests' real browser. No browser is downloaded; CHITCHAT_CHROMIUM names another binary.
import { existsSync } from "node:fs";
import puppeteer, { type Browser, type ElementHandle, type Page } from "puppeteer-core";
import { tempDir } from "./temp.ts";
import { waitFor } from "./wait.ts";

export const CHROMIUM = process.env.CHITCHAT_CHROMIUM ?? "/usr/bin/chromium";

export interface TestBrowser extends AsyncDisposable {
  browser: Browser;
  /** A new tab at `url`, recording page errors and console errors. */
  open(url: string): Promise<TestPage>;
}

export interface TestPage {
  page: Page;
  /** Uncaught exceptions and console.error lines, in order. */
  errors: string[];
}

/**
 * Starts Chromium with a fresh profile; fails with a sentence when it is not
 * installed. `extraArgs` are added (say, a certificate to trust).
 */
export async function launchBrowser(extraArgs: string[] = []): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium (see .ci/run)`);
  }
  const profile = tempDir();
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    userDataDir: profile.path,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
      // Several pages chat at once: a tab in the background must not be throttled.
      "--disable-renderer-backgrounding",
      "--disable-background-timer-throttling",
      "--disable-backgrounding-occluded-windows",
      ...extraArgs,
    ],
  });
  return {
    browser,
    async open(url) {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(`pageerror: ${(error as Error).message}`));
      page.on("console", (message) => {
        if (message.type() === "error") errors.push(`console: ${message.text()}`);
      });
      await page.setViewport({ width: 1200, height: 760 });
      await page.goto(url, { waitUntil: "load" });
      return { page, errors };
    },
    async [Symbol.asyncDispose]() {
      // browser.close() can wait on CDP under Bun; the process is ours to end.
      const child = browser.process();
      await Promise.race([browser.close(), new Promise((resolve) => setTimeout(resolve, 2_000))]);
      if (child && child.exitCode === null) {
        const gone = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGKILL");
        await gone;
      }
      profile[Symbol.dispose]();
    },
  };
}

/**
 * The visible element with this role and accessible name, as a screen reader
 * finds it: explicit `role` or the implicit one (button, textbox), and the name
 * from `aria-label`, the `<label>` or the text. (puppeteer's ::-p-aria queries
 * the accessibility tree over CDP, which answers the document under Bun.)
 */
export async function byRole(page: Page, role: string, name: string): Promise<ElementHandle> {
  // A string, evaluated in the page (these tests are typed without the DOM library).
  const find = `(() => {
    const roleOf = (el) => el.getAttribute("role") ??
      (el.tagName === "BUTTON" ? "button" : el.tagName === "INPUT" && el.type === "text" ? "textbox" : null);
    const nameOf = (el) => el.getAttribute("aria-label") ?? el.labels?.[0]?.textContent ?? el.textContent;
    return [...document.querySelectorAll("*")].find((el) =>
      roleOf(el) === ${JSON.stringify(role)} && nameOf(el)?.trim() === ${JSON.stringify(name)} &&
      (el.offsetParent !== null || el.tagName === "svg"));
  })()`;
  const handle = await page.waitForFunction(find, { timeout: 10_000 });
  return handle as unknown as ElementHandle;
}

/** Types into the text box labelled `label` (replacing what is there). */
export async function fill(page: Page, label: string, text: string): Promise<void> {
  // Input goes to the tab in front, as a person's would.
  await page.bringToFront();
  const box = await byRole(page, "textbox", label);
  await box.click({ count: 3 });
  await page.keyboard.press("Backspace");
  if (text) await box.type(text);
}

/** One transcript line as the page shows it. */
export interface Line {
  seq: number;
  text: string;
  /** Whether the line holds any element the chat did not put there (HTML parsed from chat text). */
  foreign: boolean;
}

/** The transcript (role="log"), line by line. */
export function transcript(page: Page): Promise<Line[]> {
  return page.$$eval('[role="log"] li', (items) =>
    items.map((li) => ({
      seq: Number(li.getAttribute("data-seq")),
      text: li.textContent ?? "",
      foreign: li.querySelector(":not(span)") !== null,
    })),
  );
}

/** Waits until the transcript holds `n` lines; returns them. */
export async function waitForLines(page: Page, n: number, what = `${n} lines`): Promise<Line[]> {
  let lines: Line[] = [];
  await waitFor(
    async () => {
      lines = await transcript(page);
      return lines.length >= n;
    },
    { what, timeoutMs: 15_000 },
  ).catch((error) => {
    throw new Error(`${(error as Error).message}; the page shows ${JSON.stringify(lines)}`);
  });
  return lines;
}

/** The text of the element with id `id`. */
export function textOf(page: Page, id: string): Promise<string> {
  return page.$eval(`#${id}`, (el) => el.textContent ?? "");
}
