// Bundles the `ironflow` command into dist/bin/ with esbuild, so starting it reads a handful of files
// instead of resolving ~200 ES modules (measured: module loading was most of the start-up time). The
// library (dist/index.js) and the tests use the plain TypeScript build. Packages that nodes load on
// demand stay external; commander and wasmoon, needed at every start, are bundled.
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const bundled = new Set(['commander', 'wasmoon']);
const external = Object.keys(pkg.dependencies).filter((d) => !bundled.has(d));

rmSync(join(root, 'dist/bin'), { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: {
    main: 'src/cli/main.ts',
    worker: 'src/lua/worker.ts',
    'load-worker': 'src/api/load-worker.ts',
  },
  outdir: 'dist/bin',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external,
  sourcemap: 'linked',
  logLevel: 'warning',
  // Bundled CommonJS (wasmoon's Emscripten glue) calls require and reads __dirname.
  banner: {
    js: [
      "import { createRequire as __ironflowRequire } from 'node:module';",
      "import { dirname as __ironflowDirname } from 'node:path';",
      "import { fileURLToPath as __ironflowPath } from 'node:url';",
      'const require = __ironflowRequire(import.meta.url);',
      'const __filename = __ironflowPath(import.meta.url);',
      'const __dirname = __ironflowDirname(__filename);',
    ].join('\n'),
  },
});
