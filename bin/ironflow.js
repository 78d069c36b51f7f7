#!/usr/bin/env node
// The `ironflow` command: everything lives in dist/cli (built by `npm run build`).
import('../dist/cli/main.js').catch((e) => {
  process.stderr.write(
    `Error: ironflow could not start: ${e?.message ?? e}\n(run \`npm run build\` first?)\n`,
  );
  process.exit(1);
});
