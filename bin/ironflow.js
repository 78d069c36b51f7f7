#!/usr/bin/env node
// The `ironflow` command: the bundled CLI in dist/bin (built by `npm run build`).
import('../dist/bin/main.js').catch((e) => {
  process.stderr.write(
    `Error: ironflow could not start: ${e?.message ?? e}\n(run \`npm run build\` first?)\n`,
  );
  process.exit(1);
});
