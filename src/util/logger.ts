// Loggers. The CLI writes short human lines to stderr (stdout stays machine-readable); the API server uses
// pino (JSON lines). Both implement the Logger of src/nodes/types.ts. Level from IRONFLOW_LOG or RUST_LOG
// (`trace|debug|info|warn|error|off`, default info).
import type { Logger } from '../nodes/types.js';

export type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'off';
const ORDER: Record<Level, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, off: 100 };

/** The configured level; a RUST_LOG-style filter such as `ironflow=debug,info` takes its last bare level. */
export function configuredLevel(env: NodeJS.ProcessEnv = process.env): Level {
  const raw = env.IRONFLOW_LOG ?? env.RUST_LOG;
  if (!raw) return 'info';
  let level: Level = 'info';
  for (const part of raw.split(',')) {
    const v = (part.includes('=') ? part.split('=')[1]! : part).trim().toLowerCase();
    if (v in ORDER) level = v as Level;
    else if (v === 'warning') level = 'warn';
  }
  return level;
}

function fmtFields(fields?: Record<string, unknown>): { step: string; rest: string } {
  if (!fields) return { step: '', rest: '' };
  const { step, ...rest } = fields;
  const keys = Object.keys(rest);
  return {
    step: typeof step === 'string' ? `[${step}] ` : '',
    rest: keys.length
      ? ` ${keys.map((k) => `${k}=${typeof rest[k] === 'string' ? rest[k] : JSON.stringify(rest[k])}`).join(' ')}`
      : '',
  };
}

/** Human lines: `INFO  [step] message key=value`. `write` defaults to stderr. */
export function textLogger(
  level: Level = configuredLevel(),
  write: (line: string) => void = (l) => process.stderr.write(l),
): Logger {
  const min = ORDER[level];
  const make = (name: Exclude<Level, 'off' | 'trace'>) => {
    if (ORDER[name] < min) return () => {};
    const tag = name.toUpperCase().padEnd(5);
    return (msg: string, fields?: Record<string, unknown>) => {
      const f = fmtFields(fields);
      write(`${tag} ${f.step}${msg}${f.rest}\n`);
    };
  };
  return { debug: make('debug'), info: make('info'), warn: make('warn'), error: make('error') };
}

/** JSON lines through pino (used by the server); loaded lazily so the CLI never pays for it. */
export async function jsonLogger(level: Level = configuredLevel()): Promise<Logger & { pino: unknown }> {
  const { pino } = await import('pino');
  const p = pino({ level: level === 'off' ? 'silent' : level }, pino.destination({ fd: 2, sync: false }));
  return {
    pino: p,
    debug: (m, f) => p.debug(f ?? {}, m),
    info: (m, f) => p.info(f ?? {}, m),
    warn: (m, f) => p.warn(f ?? {}, m),
    error: (m, f) => p.error(f ?? {}, m),
  };
}
