// `block_private_network` (CORE 9 item 26): refuse hosts that are, or resolve to, local or private
// addresses — localhost, loopback, RFC 1918, CGNAT, link-local (cloud metadata 169.254.169.254),
// unique-local and site-local IPv6, multicast, unspecified — including IPv4 addresses embedded in IPv6
// (IPv4-mapped, IPv4-compatible, NAT64, 6to4).
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

function parseV4(s: string): number[] | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out.push(n);
  }
  return out;
}

/** The 16 bytes of an IPv6 address (zone id ignored), or undefined when it does not parse. */
export function parseV6(input: string): number[] | undefined {
  let s = input.split('%')[0]!;
  if (s.includes('.')) {
    // A dotted IPv4 tail (::ffff:1.2.3.4) becomes two hex groups.
    const at = s.lastIndexOf(':');
    const v4 = parseV4(s.slice(at + 1));
    if (!v4) return undefined;
    const hex = (hi: number, lo: number) => ((hi << 8) | lo).toString(16);
    s = `${s.slice(0, at + 1)}${hex(v4[0]!, v4[1]!)}:${hex(v4[2]!, v4[3]!)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string) => (h === '' ? [] : h.split(':'));
  const head = groups(halves[0]!);
  const rest = halves.length === 2 ? groups(halves[1]!) : [];
  const fill = 8 - head.length - rest.length;
  if (halves.length === 1 ? fill !== 0 : fill < 1) return undefined;
  const all = [...head, ...Array<string>(halves.length === 2 ? fill : 0).fill('0'), ...rest];
  const bytes: number[] = [];
  for (const g of all) {
    if (!/^[0-9a-f]{1,4}$/i.test(g)) return undefined;
    const n = Number.parseInt(g, 16);
    bytes.push(n >> 8, n & 0xff);
  }
  return bytes;
}

function v4Blocked(b: readonly number[]): boolean {
  const [a = 0, c = 0] = b;
  return (
    a === 0 || // "this network", 0.0.0.0
    a === 10 ||
    a === 127 ||
    (a === 100 && c >= 64 && c <= 127) || // carrier-grade NAT
    (a === 169 && c === 254) || // link-local, cloud metadata
    (a === 172 && c >= 16 && c <= 31) ||
    (a === 192 && c === 168) ||
    (a === 192 && c === 0 && b[2] === 0) || // IETF protocol assignments
    (a === 198 && (c === 18 || c === 19)) || // benchmarking
    a >= 224 // multicast, reserved, broadcast
  );
}

function v6Blocked(b: readonly number[]): boolean {
  const zeros = (from: number, to: number) => b.slice(from, to).every((x) => x === 0);
  if (zeros(0, 16)) return true; // ::
  if (zeros(0, 15) && b[15] === 1) return true; // ::1
  if (zeros(0, 10) && b[10] === 0xff && b[11] === 0xff) return v4Blocked(b.slice(12)); // ::ffff:a.b.c.d
  if (zeros(0, 12)) return v4Blocked(b.slice(12)); // ::a.b.c.d (IPv4-compatible)
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zeros(4, 12)) {
    return v4Blocked(b.slice(12)); // 64:ff9b::/96 NAT64
  }
  if (b[0] === 0x20 && b[1] === 0x02) return v4Blocked(b.slice(2, 6)); // 2002::/16 6to4
  if ((b[0]! & 0xfe) === 0xfc) return true; // fc00::/7 unique local
  if (b[0] === 0xfe && (b[1]! & 0xc0) === 0x80) return true; // fe80::/10 link-local
  if (b[0] === 0xfe && (b[1]! & 0xc0) === 0xc0) return true; // fec0::/10 site-local
  if (b[0] === 0xff) return true; // multicast
  return false;
}

/** Whether an IP address (v4 or v6 text) is local, private or otherwise not a public unicast address. */
export function isPrivateAddress(ip: string): boolean {
  const family = isIP(ip.split('%')[0]!);
  if (family === 4) return v4Blocked(parseV4(ip)!);
  const b = parseV6(ip);
  // Anything unparsable is treated as blocked: fail closed.
  return b ? v6Blocked(b) : true;
}

export type HostCheck =
  | { ok: true }
  | { ok: false; reason: 'private'; address: string }
  | { ok: false; reason: 'dns'; error: unknown };

/**
 * Check a URL host name: a literal address directly, `localhost` (and `*.localhost`) by name, anything
 * else by resolving it and checking every address it resolves to.
 */
export async function checkHost(hostname: string): Promise<HostCheck> {
  let host = hostname.toLowerCase();
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (host.endsWith('.')) host = host.slice(0, -1);
  if (host === 'localhost' || host.endsWith('.localhost'))
    return { ok: false, reason: 'private', address: host };
  if (isIP(host))
    return isPrivateAddress(host) ? { ok: false, reason: 'private', address: host } : { ok: true };
  let addrs: Array<{ address: string }>;
  try {
    addrs = await lookup(host, { all: true, verbatim: true });
  } catch (error) {
    return { ok: false, reason: 'dns', error };
  }
  for (const a of addrs)
    if (isPrivateAddress(a.address)) return { ok: false, reason: 'private', address: a.address };
  return { ok: true };
}

/** Error code of a connection refused by `guardedLookup`. */
export const PRIVATE_ADDRESS = 'IRONFLOW_PRIVATE_ADDRESS';

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | Array<{ address: string; family: number }>,
  family?: number,
) => void;

/**
 * A `lookup` for sockets that refuses private addresses at connect time, so the address that is
 * checked is the address that is connected to (no window for DNS rebinding between check and use).
 */
export function guardedLookup(
  hostname: string,
  options: { all?: boolean; family?: number },
  cb: LookupCallback,
): void {
  lookup(hostname, { family: options.family ?? 0, all: true, verbatim: true }).then(
    (addrs) => {
      const bad = addrs.find((a) => isPrivateAddress(a.address));
      if (bad) {
        const err = Object.assign(new Error(`${hostname} resolves to a private address (${bad.address})`), {
          code: PRIVATE_ADDRESS,
          address: bad.address,
        });
        cb(err, '');
      } else if (options.all) cb(null, addrs);
      else cb(null, addrs[0]!.address, addrs[0]!.family);
    },
    (err: NodeJS.ErrnoException) => cb(err, ''),
  );
}
