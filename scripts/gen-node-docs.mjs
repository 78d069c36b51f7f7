// Generates docs/nodes.md from the node schemas (`npm run docs`), so the reference cannot drift from the
// code: every parameter, type, default, interpolation mark and env fallback comes from the declarations.
// test/docs.test.ts fails when the committed file is out of date.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export async function renderNodeDocs() {
  const { registry } = await import(join(root, 'dist/nodes/registry.js'));
  await registry.loadAll();
  const list = registry.list();
  const byCategory = new Map();
  for (const d of list) {
    if (!byCategory.has(d.category)) byCategory.set(d.category, []);
    byCategory.get(d.category).push(d);
  }
  const esc = (s) => String(s).replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const typeOf = (spec) => (Array.isArray(spec.type) ? spec.type.join(' or ') : spec.type);
  let out = '# Node reference\n\n';
  out += 'Generated from the node declarations by `npm run docs`; do not edit by hand.\n\n';
  out += `${list.length} nodes. **I** marks parameters rendered with \`\${ctx…}\` placeholders (**I\\*** = every string inside).\n\n`;
  for (const [cat, defs] of [...byCategory].sort((a, b) => a[0].localeCompare(b[0]))) {
    out += `- **${cat}**: ${defs.map((d) => `[\`${d.name}\`](#${d.name})`).join(', ')}\n`;
  }
  for (const [cat, defs] of [...byCategory].sort((a, b) => a[0].localeCompare(b[0]))) {
    out += `\n## ${cat}\n`;
    for (const d of defs) {
      out += `\n### ${d.name}\n\n${d.description}\n\n`;
      const params = Object.entries(d.params);
      if (params.length) {
        out += '| Parameter | Type | Required | Default | I | Description |\n|---|---|---|---|---|---|\n';
        for (const [name, spec] of params) {
          const def = spec.default === undefined ? '' : `\`${JSON.stringify(spec.default)}\``;
          const i = spec.interpolate === 'deep' ? 'I*' : spec.interpolate ? 'I' : '';
          let desc = spec.description;
          if (spec.enum) desc += ` One of: ${spec.enum.map((e) => `\`${e}\``).join(', ')}.`;
          if (spec.env) desc += ` Env fallback: \`${spec.env}\`.`;
          out += `| \`${name}\` | ${typeOf(spec)} | ${spec.required ? 'yes' : ''} | ${esc(def)} | ${i} | ${esc(desc)} |\n`;
        }
      }
      if (d.outputs) {
        out += '\nOutputs:\n\n';
        for (const [k, v] of Object.entries(d.outputs)) out += `- \`${k}\`: ${esc(v)}\n`;
      }
    }
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(join(root, 'docs/nodes.md'), await renderNodeDocs());
  console.log('wrote docs/nodes.md');
}
