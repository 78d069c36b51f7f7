// extract_html (NODES 14.3): an HTML file as Markdown or line-trimmed text, plus title and meta tags.
import { p } from '../params.js';
import { defineNode } from '../types.js';
import {
  checkFileSource,
  checkTextFormat,
  decodeText,
  fileSourceParams,
  parseTextFormat,
  readDocument,
  resolveFilePath,
  textFormatParam,
} from './source.js';

type Turndown = import('turndown');

/** The few DOM members the list rule reads (the project compiles without the DOM lib). */
interface DomNode {
  nodeName: string;
  parentNode: (DomNode & { getAttribute(name: string): string | null; children: ArrayLike<unknown> }) | null;
  nextSibling: unknown;
}

let libs: Promise<{ turndown: Turndown; sanitize: typeof import('sanitize-html') }> | undefined;

/** Turndown set up once: ATX headings, `**`/`*`, `-` bullets, fenced code; non-content elements dropped. */
function loadLibs() {
  libs ??= Promise.all([import('turndown'), import('sanitize-html')]).then(([td, sh]) => {
    const turndown = new td.default({
      headingStyle: 'atx',
      codeBlockStyle: 'fenced',
      emDelimiter: '*',
      strongDelimiter: '**',
      bulletListMarker: '-',
    });
    turndown.remove(['script', 'style', 'noscript', 'template', 'head', 'title', 'iframe', 'object']);
    // `- item` / `1. item` rather than turndown's `-   item` / `1.  item`.
    turndown.addRule('listItem', {
      filter: 'li',
      replacement(content, node, options) {
        const li = node as unknown as DomNode;
        const parent = li.parentNode;
        let prefix = `${options.bulletListMarker} `;
        if (parent?.nodeName === 'OL') {
          const start = Number.parseInt(parent.getAttribute('start') ?? '', 10);
          const index = Array.prototype.indexOf.call(parent.children, li);
          prefix = `${(Number.isNaN(start) ? 1 : start) + index}. `;
        }
        const body = content
          .replace(/^\n+/, '')
          .replace(/\n+$/, '\n')
          .replace(/\n/gm, `\n${' '.repeat(prefix.length)}`);
        return prefix + body + (li.nextSibling && !/\n$/.test(body) ? '\n' : '');
      },
    });
    return { turndown, sanitize: sh.default };
  });
  return libs;
}

const META_NAMES = new Set([
  'description',
  'author',
  'keywords',
  'viewport',
  'og:title',
  'og:description',
  'og:type',
  'og:url',
]);

/** Value of attribute `name` in a tag's text (case-insensitive name, double or single quotes, raw value). */
function tagAttr(tag: string, name: string): string | undefined {
  const re = new RegExp(`(?:^|[\\s"'/])${name.replace(':', '\\:')}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`, 'i');
  const m = re.exec(tag);
  return m ? (m[1] ?? m[2]) : undefined;
}

/**
 * NODES 14.3 metadata: `title` between the first `<title>`/`<title …>` and `</title>` (case-sensitive), and
 * the listed `<meta name|property=… content=…>` values, raw (entities not decoded), later tags winning.
 */
export function htmlMetadata(html: string): Record<string, string> {
  const out: Record<string, string> = {};
  const t = /<title(?:>|\s[^>]*>)/.exec(html);
  if (t) {
    const start = t.index + t[0].length;
    const end = html.indexOf('</title>', start);
    if (end !== -1) out.title = html.slice(start, end).trim();
  }
  const metaRe = /<meta\b[^>]*>/gi;
  for (let m = metaRe.exec(html); m; m = metaRe.exec(html)) {
    const tag = m[0].slice(5);
    const key = (tagAttr(tag, 'name') ?? tagAttr(tag, 'property'))?.toLowerCase();
    const content = tagAttr(tag, 'content');
    if (key && META_NAMES.has(key) && content !== undefined) out[key] = content;
  }
  return out;
}

export const extractHtml = defineNode({
  name: 'extract_html',
  category: 'Extraction',
  description: 'Extract Markdown or text (and title/meta tags) from an HTML file',
  params: {
    ...fileSourceParams('HTML file'),
    format: textFormatParam,
    output_key: p.string({ description: 'Context key of the extracted content', default: 'content' }),
    metadata_key: p.string({ description: 'When set, context key of the metadata object' }),
  },
  outputs: {
    '{output_key}': 'Markdown, or for `text` the sanitised Markdown with every line trimmed',
    '{metadata_key}':
      'title plus description, author, keywords, viewport, og:title, og:description, og:type, og:url',
  },
  check: (cfg) => [...checkFileSource('extract_html', cfg), ...checkTextFormat('extract_html', cfg)],
  async run(cfg, nc) {
    const format = parseTextFormat('extract_html', cfg.format);
    const path = resolveFilePath('extract_html', cfg, nc.ctx);
    const html = decodeText(await readDocument('extract_html', path, nc.signal));
    const { turndown, sanitize } = await loadLibs();
    nc.signal.throwIfAborted();
    let content: string;
    if (format === 'markdown') content = turndown.turndown(html).trim();
    else {
      // The text view (NODES 14.3): sanitise (scripts and styles go with their content), convert, trim lines.
      const clean = sanitize(html, {
        nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'title', 'template', 'head'],
      });
      content = turndown
        .turndown(clean)
        .split('\n')
        .map((l) => l.trim())
        .join('\n')
        .trim();
    }
    const out: Record<string, unknown> = { [cfg.output_key]: content };
    if (cfg.metadata_key) out[cfg.metadata_key] = htmlMetadata(html);
    return out;
  },
});
