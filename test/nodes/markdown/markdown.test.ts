import { describe, expect, test } from 'vitest';
import { isDangerousUrl } from '../../../src/nodes/markdown/markdown-to-html.js';
import { checkNode, runNode } from '../../helpers/nodes.js';

const toHtml = async (input: string, extra: Record<string, unknown> = {}) =>
  (await runNode('markdown_to_html', { input, ...extra })).html as string;
const toMd = async (input: string) => (await runNode('html_to_markdown', { input })).markdown as string;

describe('markdown_to_html', () => {
  test('CommonMark basics end with a newline', async () => {
    expect(await toHtml('# Hello')).toBe('<h1>Hello</h1>\n');
    expect(await toHtml('**b** and *i* and `c`')).toBe(
      '<p><strong>b</strong> and <em>i</em> and <code>c</code></p>\n',
    );
  });

  test('GFM: tables, strikethrough, autolinks, task lists', async () => {
    const html = await toHtml(
      '| a | b |\n|---|:-:|\n| 1 | 2 |\n\n~~gone~~ see https://example.com\n\n- [x] done\n- [ ] todo\n',
    );
    expect(html).toContain('<table>');
    expect(html).toContain('<th>a</th>');
    expect(html).toMatch(/<td align="center">2<\/td>/);
    expect(html).toContain('<del>gone</del>');
    expect(html).toContain('<a href="https://example.com">https://example.com</a>');
    expect(html).toMatch(/<input checked="" disabled="" type="checkbox"> ?done/);
    expect(html).toMatch(/<input disabled="" type="checkbox"> ?todo/);
  });

  test('raw HTML is omitted, block and inline', async () => {
    const html = await toHtml(
      '<div onclick="x()">block</div>\n\ntext <script>alert(1)</script> <b>bold</b>\n',
    );
    expect(html).not.toMatch(/<div|<script|<b>|onclick/);
    expect(html).toContain('<!-- raw HTML omitted -->\n');
    expect(html).toContain(
      'text <!-- raw HTML omitted -->alert(1)<!-- raw HTML omitted --> <!-- raw HTML omitted -->bold',
    );
  });

  test('text after an omitted <script> tag is still escaped', async () => {
    const html = await toHtml('x <script> a & b </script>');
    expect(html).toContain('a &amp; b');
  });

  test('dangerous link targets are dropped', async () => {
    for (const md of [
      '[x](javascript:alert(1))',
      '[x](JaVaScRiPt:alert(1))',
      '<javascript:alert(1)>',
      '[x](vbscript:msgbox)',
      '[x](file:///etc/passwd)',
      '[x](data:text/html;base64,PHNjcmlwdD4=)',
    ]) {
      const html = await toHtml(md);
      expect([md, html]).not.toEqual([
        md,
        expect.stringMatching(/(?:href|src)="[^"]*(?:javascript|vbscript|file:|data:)/i),
      ]);
      expect(html).toContain('href=""');
    }
    expect(await toHtml('![i](data:image/png;base64,AAAA)')).toContain('src="data:image/png;base64,AAAA"');
    expect(await toHtml('![i](javascript:alert(1))')).toContain('src=""');
    expect(await toHtml('[ok](https://example.com/a?b=1)')).toContain('href="https://example.com/a?b=1"');
    expect(isDangerousUrl(' java\tscript:alert(1)')).toBe(true);
    expect(isDangerousUrl('&#106;avascript:alert(1)')).toBe(true);
    expect(isDangerousUrl('/relative/javascript:x')).toBe(false);
  });

  test('sanitize: allow-list, rel on links, scripts removed with content', async () => {
    const html = await toHtml('[a](https://e.com "t")\n\n- [x] task\n\n<script>evil()</script>\n', {
      sanitize: true,
    });
    expect(html).toContain('<a href="https://e.com" title="t" rel="noopener noreferrer">a</a>');
    expect(html).not.toContain('<input');
    expect(html).not.toContain('<!--');
    expect(html).not.toContain('evil');
  });

  test('source_key: strings as is, other JSON as text; unicode', async () => {
    const out = await runNode(
      'markdown_to_html',
      { source_key: 'md', output_key: 'h' },
      { md: '## Grüße 🚀' },
    );
    expect(out).toEqual({ h: '<h2>Grüße 🚀</h2>\n' });
    const obj = await runNode('markdown_to_html', { source_key: 'md' }, { md: { a: 1 } });
    expect(obj.html).toBe('<p>{&quot;a&quot;:1}</p>\n');
  });

  test('input is interpolated', async () => {
    const out = await runNode('markdown_to_html', { input: '# ${ctx.title}' }, { title: 'Report' });
    expect(out.html).toBe('<h1>Report</h1>\n');
  });

  test('empty input', async () => {
    expect(await toHtml('')).toBe('');
  });

  test('errors', async () => {
    expect(checkNode('markdown_to_html', {})).toEqual([
      "markdown_to_html requires either 'input' string or 'source_key'",
    ]);
    expect(checkNode('markdown_to_html', { input: 'a', source_key: 'b' })).toEqual([
      "markdown_to_html accepts either 'input' or 'source_key', not both",
    ]);
    expect(checkNode('markdown_to_html', { input: 'a', sanitize: 'yes' })).toEqual([
      "parameter 'sanitize' must be a boolean (got string)",
    ]);
    await expect(runNode('markdown_to_html', { source_key: 'md' }, {})).rejects.toThrow(
      "Key 'md' not found in context",
    );
  });

  test('a large document', async () => {
    const md = Array.from({ length: 5_000 }, (_, i) => `## Section ${i}\n\nText with **bold** ${i}.\n`).join(
      '\n',
    );
    const html = await toHtml(md);
    expect(html.match(/<h2>/g)).toHaveLength(5_000);
  });
});

describe('html_to_markdown', () => {
  test('the required minimum', async () => {
    const md = await toMd(
      '<h1>Title</h1><p>Some <b>bold</b>, <strong>strong</strong> and <a href="https://e.com/x">a link</a>.</p>',
    );
    expect(md).toContain('# Title');
    expect(md).toContain('**bold**');
    expect(md).toContain('**strong**');
    expect(md).toContain('[a link](https://e.com/x)');
  });

  test('lists, code, emphasis, strikethrough; scripts and styles dropped', async () => {
    const md = await toMd(
      '<ul><li>one</li><li>two</li></ul><pre><code>x = 1</code></pre><p><em>e</em> <del>old</del></p><script>evil()</script><style>p{}</style>',
    );
    expect(md).toContain('-   one');
    expect(md).toContain('```\nx = 1\n```');
    expect(md).toContain('*e*');
    expect(md).toContain('~~old~~');
    expect(md).not.toContain('evil');
    expect(md).not.toContain('p{}');
  });

  test('tables become GFM tables', async () => {
    const md = await toMd(
      '<table><thead><tr><th>Name</th><th>Qty</th></tr></thead><tbody><tr><td>a|b</td><td>2</td></tr></tbody></table>',
    );
    expect(md).toBe('| Name | Qty |\n| --- | --- |\n| a\\|b | 2 |');
  });

  test('a full document: the head is not content', async () => {
    const md = await toMd(
      '<!doctype html><html><head><title>T</title><meta name="author" content="x"></head><body><h2>Über</h2><p>Grüße</p></body></html>',
    );
    expect(md).toBe('## Über\n\nGrüße');
  });

  test('round trip of the markdown_to_html output keeps text', async () => {
    const html = await toHtml('# Hi\n\nA [link](https://e.com) and **bold**.\n');
    const md = await toMd(html);
    expect(md).toBe('# Hi\n\nA [link](https://e.com) and **bold**.');
  });

  test('empty and whitespace-only input', async () => {
    expect(await toMd('')).toBe('');
    expect((await toMd('   \n')).trim()).toBe('');
  });

  test('source_key and errors', async () => {
    const out = await runNode('html_to_markdown', { source_key: 'h', output_key: 'm' }, { h: '<b>x</b>' });
    expect(out).toEqual({ m: '**x**' });
    expect(checkNode('html_to_markdown', {})).toEqual([
      "html_to_markdown requires either 'input' string or 'source_key'",
    ]);
    expect(checkNode('html_to_markdown', { input: 'a', source_key: 'b' })).toEqual([
      "html_to_markdown accepts either 'input' or 'source_key', not both",
    ]);
  });
});
