// Shared by the benchmark scripts: each prints one JSON object per line on stdout, which bench/run.mjs
// collects into a table.
import { readFileSync } from 'node:fs';

/** Print one result row. */
export function emit(row) {
  process.stdout.write(`${JSON.stringify(row)}\n`);
}

/** Peak resident memory of this process so far, in MB (VmHWM). */
export function peakRssMb() {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) / 1024;
  } catch {}
  return process.memoryUsage().rss / 1024 / 1024;
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export const round = (x, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
