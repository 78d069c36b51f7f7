// Load generator of bench/api.bench.mjs: N concurrent keep-alive clients, each sending its next request as
// soon as the previous answer is read, for a fixed time. Records latencies, statuses and response bodies.
import { Agent, request } from 'node:http';

/** Start a child process running `script`; resolves with its first stdout line parsed as JSON. */
export async function startChild(script, { args = [], env = {} } = {}) {
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, [...args, script], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const info = await new Promise((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (d) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl >= 0) resolve(JSON.parse(buf.slice(0, nl)));
    });
    child.on('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  return {
    info,
    child,
    /** The child's CPU time so far (user + system), in microseconds. */
    cpu: () =>
      new Promise((resolve) => {
        child.once('message', (m) => resolve(m.user + m.system));
        child.send('cpu');
      }),
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/** One request; resolves {status, body, ms}. */
export function send(agent, addr, method, path, body) {
  const [host, port] = addr.split(':');
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = request(
      {
        agent,
        host,
        port: Number(port),
        method,
        path,
        headers: body
          ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }
          : {},
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode,
            text: Buffer.concat(chunks).toString('utf8'),
            ms: performance.now() - t0,
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

/**
 * `clients` loops posting `body` to `path` for `ms` milliseconds. `onReply(text)` sees each 2xx body.
 * Returns {count, errors, latencies (sorted), seconds}.
 */
export async function load({ addr, path, body, clients, ms, onReply }) {
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  const latencies = [];
  let errors = 0;
  let firstError;
  const until = performance.now() + ms;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < until) {
        try {
          const r = await send(agent, addr, 'POST', path, body);
          latencies.push(r.ms);
          if (r.status >= 200 && r.status < 300) onReply?.(r.text);
          else {
            errors++;
            firstError ??= `${r.status} ${r.text.slice(0, 200)}`;
          }
        } catch (e) {
          errors++;
          firstError ??= String(e);
        }
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { count: latencies.length, errors, firstError, latencies, seconds };
}

export function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
