import { lookup } from 'node:dns/promises';
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { maskUrl, maskWebhookUrl, redact } from '../../../src/nodes/http/mask.js';
import {
  checkHost,
  guardedLookup,
  isPrivateAddress,
  PRIVATE_ADDRESS,
  parseV6,
} from '../../../src/nodes/http/netguard.js';
import { runNode } from '../../helpers/nodes.js';
import { type Httpbin, startHttpbin } from '../../services/httpbin.js';

// Wrap the real checker so one test can let a first hop through and see the next hop checked.
vi.mock('../../../src/nodes/http/netguard.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../src/nodes/http/netguard.js')>();
  return { ...real, checkHost: vi.fn(real.checkHost) };
});

describe('isPrivateAddress', () => {
  test.each([
    ['127.0.0.1', true],
    ['127.255.0.9', true],
    ['10.1.2.3', true],
    ['172.16.0.1', true],
    ['172.31.255.255', true],
    ['172.15.0.1', false],
    ['172.32.0.1', false],
    ['192.168.1.1', true],
    ['169.254.169.254', true],
    ['100.64.0.1', true],
    ['0.0.0.0', true],
    ['224.0.0.1', true],
    ['255.255.255.255', true],
    ['8.8.8.8', false],
    ['93.184.216.34', false],
    ['::1', true],
    ['::', true],
    ['::ffff:127.0.0.1', true],
    ['::ffff:7f00:1', true],
    ['::ffff:a9fe:a9fe', true],
    ['::ffff:8.8.8.8', false],
    ['::127.0.0.1', true],
    ['64:ff9b::10.0.0.1', true],
    ['2002:7f00:1::1', true],
    ['fe80::1%eth0', true],
    ['fd12:3456::1', true],
    ['fec0::1', true],
    ['ff02::1', true],
    ['2001:4860:4860::8888', false],
  ])('%s → %s', (ip, blocked) => {
    expect(isPrivateAddress(ip)).toBe(blocked);
  });

  test('parseV6 rejects malformed text', () => {
    expect(parseV6('1:2:3:4:5:6:7:8:9')).toBeUndefined();
    expect(parseV6('1::2::3')).toBeUndefined();
    expect(parseV6('12345::')).toBeUndefined();
    expect(parseV6('1::')).toEqual([0, 1, ...Array(14).fill(0)]);
  });
});

describe('checkHost', () => {
  test('names are resolved and every address is checked', async () => {
    expect(await checkHost('localhost')).toMatchObject({ ok: false, reason: 'private' });
    expect(await checkHost('[::1]')).toMatchObject({ ok: false, address: '::1' });
    expect(await checkHost('no-such-host.invalid')).toMatchObject({ ok: false, reason: 'dns' });
    // The machine's own name resolves to a loopback address on the development machines.
    const own = hostname();
    const addrs = await lookup(own, { all: true }).catch(() => []);
    if (addrs.some((a) => isPrivateAddress(a.address))) {
      expect(await checkHost(own)).toMatchObject({ ok: false, reason: 'private' });
    }
  });
});

describe('masking', () => {
  test('maskUrl hides passwords, bare user tokens and credential-like query values', () => {
    expect(maskUrl('https://user:pa55@host.test/p?x=1&token=abc&X-Amz-Signature=f00')).toBe(
      'https://user:***@host.test/p?x=1&token=***&X-Amz-Signature=***',
    );
    expect(maskUrl('https://ghp_secret@host.test/')).toBe('https://***@host.test/');
    expect(maskUrl('not a url //me:pw@x')).toBe('not a url //me:***@x');
    expect(maskWebhookUrl('https://hooks.slack.com/services/T0/B0/XXXX')).toBe(
      'https://hooks.slack.com/services/***',
    );
    expect(redact('token abc123 and abc123', ['abc123', undefined, 'ab'])).toBe('token *** and ***');
  });
});

describe('redirect hops are checked too', () => {
  let bin: Httpbin;
  beforeAll(async () => {
    bin = await startHttpbin();
  });
  afterAll(() => bin.stop());

  test('a first hop allowed, a redirect into the private network refused', async () => {
    // Pretend the first host is public; the redirect target (localhost) is checked for real.
    vi.mocked(checkHost).mockClear();
    vi.mocked(checkHost).mockResolvedValueOnce({ ok: true });
    const url = `${bin.url}/redirect-to?url=${encodeURIComponent(`${bin.url}/get`)}`;
    await expect(runNode('http_get', { url, block_private_network: true })).rejects.toThrow(
      /^HTTP request blocked: http:\/\/127\.0\.0\.1:\d+\/get is a local or private network address \(127\.0\.0\.1\)/,
    );
    expect(bin.requests.map((r) => r.path)).toEqual(['/redirect-to']);
    expect(vi.mocked(checkHost)).toHaveBeenCalledTimes(2);
  });

  test('names are checked again at connect time, on the address actually used (no DNS rebinding window)', async () => {
    // The pre-connect check is fooled; the socket's own lookup still refuses the loopback address.
    bin.requests.length = 0;
    vi.mocked(checkHost).mockClear();
    vi.mocked(checkHost).mockResolvedValueOnce({ ok: true });
    await expect(
      runNode('http_get', { url: `http://localhost:${bin.port}/get`, block_private_network: true }),
    ).rejects.toThrow(
      new RegExp(
        `^HTTP request blocked: http://localhost:${bin.port}/get is a local or private network address \\(127\\.0\\.0\\.1\\)`,
      ),
    );
    expect(bin.requests).toHaveLength(0);
  });

  test('an unresolvable host fails as a DNS error', async () => {
    await expect(
      runNode('http_get', { url: 'http://no-such-host.invalid/', block_private_network: true }),
    ).rejects.toThrow(
      "HTTP request failed: host 'no-such-host.invalid' not found (DNS lookup failed) to http://no-such-host.invalid/",
    );
  });
});

describe('guardedLookup', () => {
  test('refuses private answers, passes on lookup errors', async () => {
    const call = (host: string, all: boolean) =>
      new Promise<{ err: NodeJS.ErrnoException | null; address: unknown }>((resolve) =>
        guardedLookup(host, { all }, (err, address) => resolve({ err, address })),
      );
    const a = await call('localhost', false);
    expect(a.err?.code).toBe(PRIVATE_ADDRESS);
    const b = await call('no-such-host.invalid', true);
    expect(b.err?.code).toBe('ENOTFOUND');
  });
});
