// markdown_to_html (NODES 13.1): CommonMark + GFM (tables, strikethrough, autolinks, task lists) in safe
// mode: raw HTML becomes `<!-- raw HTML omitted -->` and dangerous link targets are dropped; `sanitize`
// additionally runs an allow-list sanitiser modelled on ammonia's defaults.
import type { Marked, Tokens } from 'marked';
import type { IOptions } from 'sanitize-html';
import { p } from '../params.js';
import { defineNode } from '../types.js';
import { checkSource, readSource, sourceParams } from './source.js';

const OMITTED = '<!-- raw HTML omitted -->';

/** Decode numeric and the few named character references a URL scheme could hide behind. */
function decodeRefs(s: string): string {
  return s
    .replace(/&#x([0-9a-f]+);?/gi, (_, h: string) =>
      String.fromCodePoint(Math.min(Number.parseInt(h, 16), 0x10ffff)),
    )
    .replace(/&#(\d+);?/g, (_, d: string) => String.fromCodePoint(Math.min(Number.parseInt(d, 10), 0x10ffff)))
    .replace(/&colon;/gi, ':')
    .replace(/&tab;/gi, '\t')
    .replace(/&newline;/gi, '\n');
}

/**
 * Whether a link or image target would run code or read local files: `javascript:`, `vbscript:`, `file:`,
 * and `data:` except (for images) PNG, GIF, JPEG and WebP. Whitespace and control characters, which
 * browsers ignore inside a scheme, are removed first.
 */
export function isDangerousUrl(url: string, image = false): boolean {
  const u = decodeRefs(url)
    .replace(/[\u0000-\u0020\u007f-\u009f]/g, '')
    .toLowerCase();
  if (/^(?:javascript|vbscript|file):/.test(u)) return true;
  if (u.startsWith('data:')) return !(image && /^data:image\/(?:png|gif|jpeg|webp)[;,]/.test(u));
  return false;
}

let markedP: Promise<Marked> | undefined;

function loadMarked(): Promise<Marked> {
  markedP ??= import('marked').then(({ Marked: M }) => {
    const m = new M({ gfm: true, breaks: false, async: false });
    m.use({
      walkTokens(token) {
        // Text inside an inline <script>/<pre> tag is emitted unescaped by marked; the tag itself is
        // omitted here, so its text must be escaped like any other.
        if (token.type === 'text' && (token as Tokens.Text).escaped) (token as Tokens.Text).escaped = false;
      },
      renderer: {
        html(token) {
          return 'block' in token && token.block ? `${OMITTED}\n` : OMITTED;
        },
        link(token) {
          if (isDangerousUrl(token.href)) token.href = '';
          return false;
        },
        image(token) {
          if (isDangerousUrl(token.href, true)) token.href = '';
          return false;
        },
      },
    });
    return m;
  });
  markedP.catch(() => {
    markedP = undefined;
  });
  return markedP;
}

type Sanitize = (html: string) => string;
let sanitizeP: Promise<Sanitize> | undefined;

// ammonia's default allow-list: formatting and structure tags, a few attributes, safe URL schemes.
const TAGS = [
  'a',
  'abbr',
  'acronym',
  'area',
  'article',
  'aside',
  'b',
  'bdi',
  'bdo',
  'blockquote',
  'br',
  'caption',
  'center',
  'cite',
  'code',
  'col',
  'colgroup',
  'data',
  'dd',
  'del',
  'details',
  'dfn',
  'div',
  'dl',
  'dt',
  'em',
  'figcaption',
  'figure',
  'footer',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'header',
  'hgroup',
  'hr',
  'i',
  'img',
  'ins',
  'kbd',
  'li',
  'map',
  'mark',
  'nav',
  'ol',
  'p',
  'pre',
  'q',
  'rp',
  'rt',
  'rtc',
  'ruby',
  's',
  'samp',
  'small',
  'span',
  'strike',
  'strong',
  'sub',
  'summary',
  'sup',
  'table',
  'tbody',
  'td',
  'th',
  'thead',
  'time',
  'tr',
  'tt',
  'u',
  'ul',
  'var',
  'wbr',
];
const CELL = ['align', 'char', 'charoff'];
const ATTRIBUTES: Record<string, string[]> = {
  '*': ['lang', 'title'],
  a: ['href', 'hreflang', 'rel'],
  bdo: ['dir'],
  blockquote: ['cite'],
  col: ['align', 'char', 'charoff', 'span'],
  colgroup: ['align', 'char', 'charoff', 'span'],
  del: ['cite', 'datetime'],
  hr: ['align', 'size', 'width'],
  img: ['align', 'alt', 'height', 'src', 'width'],
  ins: ['cite', 'datetime'],
  ol: ['start'],
  q: ['cite'],
  table: ['align', 'char', 'charoff', 'summary'],
  tbody: CELL,
  td: [...CELL, 'colspan', 'headers', 'rowspan'],
  tfoot: CELL,
  th: [...CELL, 'colspan', 'headers', 'rowspan', 'scope'],
  thead: CELL,
  tr: CELL,
};
const SCHEMES = [
  'bitcoin',
  'ftp',
  'ftps',
  'geo',
  'http',
  'https',
  'im',
  'irc',
  'ircs',
  'magnet',
  'mailto',
  'mms',
  'mx',
  'news',
  'nntp',
  'openpgp4fpr',
  'sip',
  'sms',
  'smsto',
  'ssh',
  'tel',
  'url',
  'webcal',
  'wtai',
  'xmpp',
];

function loadSanitizer(): Promise<Sanitize> {
  sanitizeP ??= import('sanitize-html').then((mod) => {
    const sanitizeHtml = mod.default;
    const opts: IOptions = {
      allowedTags: TAGS,
      allowedAttributes: ATTRIBUTES,
      allowedSchemes: SCHEMES,
      allowProtocolRelative: true,
      // Removed together with their content (ammonia's clean_content_tags).
      nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript'],
      transformTags: { a: sanitizeHtml.simpleTransform('a', { rel: 'noopener noreferrer' }) },
    };
    return (html: string) => sanitizeHtml(html, opts);
  });
  sanitizeP.catch(() => {
    sanitizeP = undefined;
  });
  return sanitizeP;
}

export const markdownToHtml = defineNode({
  name: 'markdown_to_html',
  category: 'Markdown',
  description: 'Convert Markdown (CommonMark + GFM) to HTML; raw HTML is omitted',
  params: {
    ...sourceParams,
    output_key: p.string({ description: 'Context key of the HTML', default: 'html' }),
    sanitize: p.boolean({
      description:
        'Also run an allow-list HTML sanitiser (scripts and styles removed, links get rel=noopener)',
      default: false,
    }),
  },
  outputs: { '{output_key}': 'the HTML (ends with a newline after the last block)' },
  check: checkSource('markdown_to_html'),
  async run(cfg, nc) {
    const text = readSource('markdown_to_html', cfg, nc);
    let html = (await loadMarked()).parse(text) as string;
    if (cfg.sanitize) html = (await loadSanitizer())(html);
    return { [cfg.output_key]: html };
  },
});
