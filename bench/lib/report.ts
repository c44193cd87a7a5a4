// Figures as the run records them, printed as table rows while the run goes
// and written to bench/results/<date>.json at the end.
import { cpus, freemem, loadavg, totalmem } from "node:os";

export interface Figure {
  scenario: string;
  case: string;
  figure: string;
  value: number;
  unit: string;
  baseline?: { name: string; value: number };
  /** ChitChat / baseline. */
  ratio?: number;
  /** Anything a reader needs to weigh the figure (CPU use, what was saturated). */
  notes?: string;
}

export interface Machine {
  cores: number;
  cpuModel: string;
  bun: string;
  platform: string;
  memoryMb: number;
}

export function machine(): Machine {
  const list = cpus();
  return {
    cores: list.length,
    cpuModel: list[0]?.model ?? "unknown",
    bun: Bun.version,
    platform: `${process.platform} ${process.arch}`,
    memoryMb: Math.round(totalmem() / 2 ** 20),
  };
}

/** What else the machine was doing: load averages and the busiest processes. */
export function machineLoad(): { loadavg: number[]; freeMemoryMb: number; busiest: string[] } {
  const ps = Bun.spawnSync(["ps", "-eo", "pcpu,rss,args", "--sort=-pcpu"]);
  const busiest = new TextDecoder()
    .decode(ps.stdout)
    .split("\n")
    .slice(1, 7)
    .map((line) => line.trim().slice(0, 120))
    .filter((line) => line !== "");
  return {
    loadavg: loadavg().map((l) => Math.round(l * 100) / 100),
    freeMemoryMb: Math.round(freemem() / 2 ** 20),
    busiest,
  };
}

const COLUMNS = [
  ["scenario", 13],
  ["case", 24],
  ["figure", 22],
  ["ChitChat", 12],
  ["baseline", 34],
  ["ratio", 6],
] as const;

function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString("en-US");
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

export function tableHeader(): string {
  const head = COLUMNS.map(([name, width]) => name.padEnd(width)).join(" ");
  return `${head}\n${"-".repeat(head.length)}`;
}

export function tableRow(f: Figure): string {
  const cells = [
    f.scenario,
    f.case,
    f.figure,
    `${formatNumber(f.value)} ${f.unit}`,
    f.baseline ? `${formatNumber(f.baseline.value)} (${f.baseline.name})` : "",
    f.ratio === undefined ? "" : f.ratio.toFixed(2),
  ];
  const line = cells.map((cell, i) => cell.padEnd(COLUMNS[i]?.[1] ?? 0)).join(" ");
  return f.notes ? `${line}  ${f.notes}` : line;
}

/** The same figures as a Markdown table (for docs/PERFORMANCE.md). */
export function markdownTable(figures: readonly Figure[]): string {
  const lines = [
    "| scenario | case | figure | ChitChat | baseline | ratio | notes |",
    "| --- | --- | --- | ---: | --- | ---: | --- |",
  ];
  for (const f of figures) {
    lines.push(
      `| ${f.scenario} | ${f.case} | ${f.figure} | ${formatNumber(f.value)} ${f.unit} | ${
        f.baseline ? `${formatNumber(f.baseline.value)} (${f.baseline.name})` : ""
      } | ${f.ratio === undefined ? "" : f.ratio.toFixed(2)} | ${f.notes ?? ""} |`,
    );
  }
  return lines.join("\n");
}
