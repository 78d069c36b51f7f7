// `npm run bench [-- name...]`: runs every bench/*.bench.mjs (or the named ones) in its own process and
// prints one table. Each script prints JSON rows: {name, value, unit, target?, note?}.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.mjs'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort();

const rows = [];
for (const f of files) {
  process.stderr.write(`running ${f} ...\n`);
  const r = spawnSync(process.execPath, ['--expose-gc', join(dir, f)], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  for (const line of r.stdout.split('\n')) {
    if (!line.trim().startsWith('{')) continue;
    try {
      rows.push({ bench: f.replace('.bench.mjs', ''), ...JSON.parse(line) });
    } catch {}
  }
  if (r.status !== 0) {
    rows.push({
      bench: f.replace('.bench.mjs', ''),
      name: 'FAILED',
      value: '',
      unit: '',
      note: (r.stderr || '').trim().split('\n').slice(-3).join(' | '),
    });
  }
}

const cols = ['bench', 'name', 'value', 'unit', 'target', 'note'];
const text = (row, c) => (row[c] === undefined ? '' : String(row[c]));
const widths = cols.map((c) =>
  Math.min(c === 'note' ? 70 : 60, Math.max(c.length, ...rows.map((r) => text(r, c).length))),
);
const fmt = (vals) =>
  vals
    .map((v, i) => v.slice(0, widths[i]).padEnd(widths[i]))
    .join('  ')
    .trimEnd();
console.log(fmt(cols));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const r of rows) console.log(fmt(cols.map((c) => text(r, c))));
