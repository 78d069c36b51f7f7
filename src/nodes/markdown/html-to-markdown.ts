// html_to_markdown (NODES 13.2): best-effort HTML -> Markdown with turndown (ATX headings, `**strong**`,
// `*em*`, fenced code, inline links), plus GFM strikethrough and simple tables.
import type TurndownService from 'turndown';
import { p } from '../params.js';
import { defineNode } from '../types.js';
import { checkSource, readSource, sourceParams } from './source.js';

type Converter = (html: string) => string;

/** The little of the DOM the table rules use (the project compiles without the DOM library). */
interface DomElement {
  nodeName: string;
  parentNode: DomElement | null;
  getElementsByTagName(name: string): ArrayLike<DomElement>;
}
let converterP: Promise<Converter> | undefined;

/** Whether `row` is the first <tr> of its table (it then becomes the Markdown header row). */
function isFirstRow(row: DomElement): boolean {
  let table = row.parentNode;
  while (table && table.nodeName !== 'TABLE') table = table.parentNode;
  return table ? table.getElementsByTagName('tr')[0] === row : false;
}

function cellText(content: string): string {
  return content
    .replace(/\s*\n+\s*/g, ' ')
    .replace(/\|/g, '\\|')
    .trim();
}

function loadConverter(): Promise<Converter> {
  converterP ??= import('turndown').then((mod) => {
    const Service = mod.default;
    const td: TurndownService = new Service({
      headingStyle: 'atx',
      codeBlockStyle: 'fenced',
      emDelimiter: '*',
      strongDelimiter: '**',
      bulletListMarker: '-',
      hr: '---',
    });
    td.remove(['script', 'style', 'noscript', 'template', 'head', 'title']);
    td.addRule('strikethrough', {
      filter: ['del', 's', 'strike'],
      replacement: (content) => (content.trim() ? `~~${content}~~` : content),
    });
    td.addRule('tableCell', {
      filter: ['th', 'td'],
      replacement: (content) => ` ${cellText(content)} |`,
    });
    td.addRule('tableRow', {
      filter: 'tr',
      replacement: (content, node) => {
        const row = node as unknown as DomElement;
        let line = `\n|${content}`;
        if (isFirstRow(row)) {
          const cells = row.getElementsByTagName('th').length + row.getElementsByTagName('td').length;
          line += `\n|${' --- |'.repeat(Math.max(cells, 1))}`;
        }
        return line;
      },
    });
    td.addRule('tableSection', {
      filter: ['thead', 'tbody', 'tfoot'],
      replacement: (content) => content,
    });
    td.addRule('table', {
      filter: 'table',
      replacement: (content) => (content.trim() ? `\n\n${content.trim()}\n\n` : ''),
    });
    return (html: string) => td.turndown(html);
  });
  converterP.catch(() => {
    converterP = undefined;
  });
  return converterP;
}

export const htmlToMarkdown = defineNode({
  name: 'html_to_markdown',
  category: 'Markdown',
  description: 'Convert HTML to Markdown (best effort, lossy)',
  params: {
    ...sourceParams,
    output_key: p.string({ description: 'Context key of the Markdown', default: 'markdown' }),
  },
  outputs: { '{output_key}': 'the Markdown text' },
  check: checkSource('html_to_markdown'),
  async run(cfg, nc) {
    const html = readSource('html_to_markdown', cfg, nc);
    if (html.trim() === '') return { [cfg.output_key]: '' };
    return { [cfg.output_key]: (await loadConverter())(html) };
  },
});
