// E-mail mailbox parsing for send_email: `addr` or `Name <addr>` (NODES 8.1). Strict enough to catch
// typos and header injection, lenient enough for internationalised addresses.
import { isIP } from 'node:net';

export interface Mailbox {
  name?: string;
  address: string;
}

const ATOM = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~\u0080-\uFFFF-]+$/;
const LABEL = /^[A-Za-z0-9\u0080-\uFFFF]([A-Za-z0-9\u0080-\uFFFF-]{0,61}[A-Za-z0-9\u0080-\uFFFF])?$/;

function checkAddress(addr: string): string | undefined {
  if (addr === '') return 'the address is empty';
  if (/\s/.test(addr)) return 'the address contains whitespace';
  const at = addr.lastIndexOf('@');
  if (at === -1) return "missing '@'";
  const local = addr.slice(0, at);
  const domain = addr.slice(at + 1);
  if (local === '') return "nothing before '@'";
  if (domain === '') return "nothing after '@'";
  if (local.startsWith('"') && local.endsWith('"') && local.length >= 2) {
    if (/(^|[^\\])"/.test(local.slice(1, -1))) return 'unescaped quote in the local part';
  } else if (!local.split('.').every((part) => ATOM.test(part))) {
    return `invalid local part '${local}'`;
  }
  if (domain.startsWith('[') && domain.endsWith(']')) {
    const lit = domain.slice(1, -1).replace(/^IPv6:/i, '');
    if (!isIP(lit)) return `invalid address literal '${domain}'`;
  } else if (!domain.split('.').every((l) => LABEL.test(l))) {
    return `invalid domain '${domain}'`;
  }
  return undefined;
}

/** Parse one mailbox; returns the reason it is invalid as a string. */
export function parseMailbox(input: string): Mailbox | string {
  if (/[\r\n\0]/.test(input)) return 'line breaks are not allowed';
  const s = input.trim();
  let name: string | undefined;
  let address = s;
  const angle = /^(.*?)\s*<([^<>]*)>$/s.exec(s);
  if (angle) {
    name = angle[1]!.trim();
    address = angle[2]!.trim();
    if (name.startsWith('"') && name.endsWith('"') && name.length >= 2)
      name = name.slice(1, -1).replace(/\\(.)/g, '$1');
    else if (/[<>"]/.test(name)) return 'invalid display name';
    if (name === '') name = undefined;
  } else if (/[<>]/.test(s)) {
    return "unbalanced '<' or '>'";
  } else if (/,/.test(s) && s.split('@').length > 2) {
    return 'several addresses in one string; give them as an array';
  }
  const bad = checkAddress(address);
  return bad ?? { ...(name !== undefined ? { name } : {}), address };
}
