// Child process of bench/api.bench.mjs: a bare node:http server that reads the request body and answers a
// fixed JSON object, the ceiling any Node HTTP API can reach on this machine.
import { createServer } from 'node:http';

const body = JSON.stringify({
  run_id: '3362bbd5-429e-4860-893a-34b20f43b485',
  flow_name: 'bench3',
  status: 'success',
});
const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    res.writeHead(200, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ addr: `127.0.0.1:${server.address().port}` })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));

// The load generator asks for our CPU time (to compare cost per request independently of machine load).
process.on('message', (m) => {
  if (m === 'cpu') process.send(process.cpuUsage());
});
