import { describe, expect, test } from 'vitest';
import { checkNode, runNode } from '../../helpers/nodes.js';

type Row = Record<string, unknown>;

const parse = async (csv: unknown, extra: Record<string, unknown> = {}) =>
  (await runNode('csv_parse', { source_key: 'csv', output_key: 'rows', ...extra }, { csv })).rows as Row[];

const stringify = async (value: unknown, extra: Record<string, unknown> = {}) =>
  (await runNode('csv_stringify', { source_key: 'v', output_key: 'out', ...extra }, { v: value })).out;

describe('csv_parse', () => {
  test('header rows become objects of strings', async () => {
    expect(await parse('name,age\nAlice,30\nBob,25\n')).toEqual([
      { name: 'Alice', age: '30' },
      { name: 'Bob', age: '25' },
    ]);
  });

  test('RFC 4180 quoting: delimiters, doubled quotes and line breaks inside quotes', async () => {
    const csv = 'a,b\r\n"x, y","say ""hi"""\r\n"multi\nline",2\r\n';
    expect(await parse(csv)).toEqual([
      { a: 'x, y', b: 'say "hi"' },
      { a: 'multi\nline', b: '2' },
    ]);
  });

  test('without header: arrays, ragged lengths kept', async () => {
    expect(await parse('1,2,3\n4,5\n', { has_header: false })).toEqual([
      ['1', '2', '3'],
      ['4', '5'],
    ]);
  });

  test('ragged rows: extra fields are column_<n> (1-based); a short record fails, naming its line', async () => {
    expect(await parse('a,b\n1,2,3,4\n5,6\n')).toEqual([
      { a: '1', b: '2', column_3: '3', column_4: '4' },
      { a: '5', b: '6' },
    ]);
    await expect(parse('a,b,c\n1,2,3\n\n4,5\n')).rejects.toThrow(
      "Malformed CSV in 'csv' at line 4: the record has 2 field(s) but the header has 3",
    );
  });

  test('duplicate header names: the later column wins', async () => {
    expect(await parse('k,k\n1,2\n')).toEqual([{ k: '2' }]);
  });

  test('blank lines always skipped; all-empty records only with skip_empty_lines', async () => {
    const csv = 'a,b\n\n1,2\n,\n\r\n3,4';
    expect(await parse(csv)).toEqual([
      { a: '1', b: '2' },
      { a: '3', b: '4' },
    ]);
    expect(await parse(csv, { skip_empty_lines: false })).toEqual([
      { a: '1', b: '2' },
      { a: '', b: '' },
      { a: '3', b: '4' },
    ]);
  });

  test('trim applies to headers and fields', async () => {
    expect(await parse(' a , b \n 1 ,  x y  \n', { trim: true })).toEqual([{ a: '1', b: 'x y' }]);
    expect(await parse(' a ,b\n 1 ,2\n')).toEqual([{ ' a ': ' 1 ', b: '2' }]);
  });

  test('infer_types', async () => {
    const rows = await parse(
      'v\ntrue\nFALSE\n 42 \n-7\n3.5\n1e3\n.5\nNaN\ninf\n \nabc \n007\n+5\n1e999\n0x10\n',
      {
        infer_types: true,
        skip_empty_lines: false,
      },
    );
    expect(rows.map((r) => r.v)).toEqual([
      true,
      false,
      42,
      -7,
      3.5,
      1000,
      0.5,
      null,
      null,
      '',
      'abc',
      7,
      5,
      null,
      '0x10',
    ]);
  });

  test('inferCsvValue edge cases', async () => {
    const { inferCsvValue } = await import('../../../src/nodes/data/csv-parse.js');
    const cases: Array<[string, unknown]> = [
      ['+', '+'],
      ['-', '-'],
      ['1.2.3', '1.2.3'],
      ['12abc', '12abc'],
      ['1e', '1e'],
      ['-inf', null],
      ['+Infinity', null],
      ['nan', null],
      ['nano', 'nano'],
      ['\u00a012\u00a0', 12],
      ['\t-0.25\n', -0.25],
      ['9'.repeat(400), null],
      ['True', true],
      ['truthy', 'truthy'],
      ['f', 'f'],
      ['Ünïcode ', 'Ünïcode'],
    ];
    for (const [input, want] of cases) expect([input, inferCsvValue(input)]).toEqual([input, want]);
  });

  test('delimiter, quote_char and the \\t escape', async () => {
    expect(await parse("a\tb\n'x\ty'\tz\n", { delimiter: '\\t', quote_char: "'" })).toEqual([
      { a: 'x\ty', b: 'z' },
    ]);
    expect(await parse('a;b\n1;2\n', { delimiter: ';' })).toEqual([{ a: '1', b: '2' }]);
  });

  test('CR-only line ends and a byte-order mark', async () => {
    expect(await parse('\uFEFFa,b\r1,2\r3,4')).toEqual([
      { a: '1', b: '2' },
      { a: '3', b: '4' },
    ]);
  });

  test('CRLF, lone CR and mixed line ends', async () => {
    expect(await parse('a,b\r\n1,2\r\n3,4\r\n')).toEqual([
      { a: '1', b: '2' },
      { a: '3', b: '4' },
    ]);
    expect(await parse('a,b\r1,2\n3,4\r\n5,6')).toEqual([
      { a: '1', b: '2' },
      { a: '3', b: '4' },
      { a: '5', b: '6' },
    ]);
  });

  test('inputs that would make naive scanning quadratic stay fast', async () => {
    const single = Array.from({ length: 200_000 }, (_, i) => `v${i}`).join('\n');
    expect(await parse(single, { has_header: false })).toHaveLength(200_000);
    const quoteAtEnd = `${Array.from({ length: 200_000 }, (_, i) => `${i},x`).join('\n')}\n"q",y\n`;
    expect(await parse(quoteAtEnd, { has_header: false })).toHaveLength(200_001);
    const crAtEnd = `${'a,b\n'.repeat(200_000)}c,d\r\n`;
    expect(await parse(crAtEnd, { has_header: false })).toHaveLength(200_001);
  });

  test('a quote inside an unquoted field is text', async () => {
    expect(await parse('size,name\n5" screen,tv\n')).toEqual([{ size: '5" screen', name: 'tv' }]);
  });

  test('unicode text', async () => {
    expect(await parse('città,名前\nZürich,東京 🚀\n')).toEqual([{ città: 'Zürich', 名前: '東京 🚀' }]);
  });

  test('__proto__ header is an ordinary field', async () => {
    const row = (await parse('__proto__,b\nx,y\n'))[0]!;
    expect(Object.keys(row)).toEqual(['__proto__', 'b']);
    expect(Object.getPrototypeOf(row)).toBe(Object.prototype);
    expect(JSON.stringify(row)).toBe('{"__proto__":"x","b":"y"}');
  });

  test('empty input, header only', async () => {
    expect(await parse('')).toEqual([]);
    expect(await parse('\n\n')).toEqual([]);
    expect(await parse('a,b\n')).toEqual([]);
    expect(await parse('', { has_header: false })).toEqual([]);
  });

  test('malformed CSV fails naming the key and the line', async () => {
    await expect(parse('a,b\n1,2\n"open,3\n4,5\n')).rejects.toThrow(
      "Malformed CSV in 'csv' at line 3: quoted field is not closed",
    );
    await expect(parse('a,b\n"x"y,2\n')).rejects.toThrow(
      /Malformed CSV in 'csv' at line 2: unexpected character 'y'/,
    );
    // Line numbers count the lines inside earlier quoted fields.
    await expect(parse('a\n"1\n2"\n"3"x\n')).rejects.toThrow(/at line 4:/);
  });

  test('missing key and wrong type', async () => {
    await expect(runNode('csv_parse', { source_key: 'nope', output_key: 'r' }, {})).rejects.toThrow(
      "Key 'nope' not found in context",
    );
    await expect(parse(42)).rejects.toThrow("Value at 'csv' is not a string");
  });

  test('static errors', () => {
    expect(checkNode('csv_parse', {})).toEqual([
      "csv_parse requires 'source_key'",
      "csv_parse requires 'output_key'",
    ]);
    expect(checkNode('csv_parse', { source_key: 'a', output_key: 'b', delimiter: ';;' })).toEqual([
      'delimiter must be a single-byte character',
    ]);
    expect(checkNode('csv_parse', { source_key: 'a', output_key: 'b', quote_char: 'é' })).toEqual([
      'quote_char must be a single-byte character',
    ]);
    expect(checkNode('csv_parse', { source_key: 'a', output_key: 'b', delimiter: '"' })).toEqual([
      'quote_char must differ from delimiter',
    ]);
    expect(checkNode('csv_parse', { source_key: 'a', output_key: 'b', has_header: 'yes' })[0]).toMatch(
      /parameter 'has_header' must be a boolean/,
    );
    expect(checkNode('csv_parse', { source_key: 'a', output_key: 'b', delimiter: '\\t' })).toEqual([]);
  });

  test('wide files (no generated row builder) give the same objects', async () => {
    const header = Array.from({ length: 600 }, (_, i) => `c${i}`);
    const row = Array.from({ length: 600 }, (_, i) => String(i));
    const obj = (await parse(`${header.join(',')}\n${row.join(',')}\n`, { infer_types: true }))[0]!;
    expect(Object.keys(obj)).toHaveLength(600);
    expect(obj.c599).toBe(599);
  });

  test('round trip of random records written by csv-stringify', async () => {
    const { stringify: write } = await import('csv-stringify/sync');
    let seed = 42;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const alphabet = ['a', 'b', 'Z', ' ', ',', '"', '\n', '\r\n', ';', 'é', '東', '🚀', "'", '\t'];
    for (let round = 0; round < 20; round++) {
      const records = Array.from({ length: 1 + rand(40) }, () =>
        Array.from({ length: 2 + rand(5) }, () =>
          Array.from({ length: rand(8) }, () => alphabet[rand(alphabet.length)]).join(''),
        ),
      );
      const text = write(records, { quoted: round % 2 === 0 });
      expect(await parse(text, { has_header: false, skip_empty_lines: false })).toEqual(records);
    }
  });

  test('100k rows', async () => {
    const lines = ['id,name,note'];
    for (let i = 0; i < 100_000; i++) lines.push(`${i},user ${i},"quoted, ${i}"`);
    const rows = await parse(lines.join('\n'), { infer_types: true });
    expect(rows).toHaveLength(100_000);
    expect(rows[99_999]).toEqual({ id: 99_999, name: 'user 99999', note: 'quoted, 99999' });
  });
});

describe('csv_stringify', () => {
  test('array of objects: sorted union of keys, missing fields empty, LF after every record', async () => {
    expect(await stringify([{ name: 'Alice', age: 30 }])).toBe('age,name\n30,Alice\n');
    expect(await stringify([{ b: 1 }, { a: 'x', c: null }])).toBe('a,b,c\n,1,\nx,,\n');
  });

  test('single object', async () => {
    expect(await stringify({ z: true, a: [1, { d: 1, c: 2 }] })).toBe('a,z\n"[1,{""c"":2,""d"":1}]",true\n');
  });

  test('array of arrays: column_1..N, short rows padded', async () => {
    expect(await stringify([[1, 2, 3], ['x']])).toBe('column_1,column_2,column_3\n1,2,3\nx,,\n');
  });

  test('array of scalars and the empty array', async () => {
    expect(await stringify(['a', 2, null, false])).toBe('value\na\n2\n""\nfalse\n');
    expect(await stringify([])).toBe('value\n');
    expect(await stringify([], { include_headers: false })).toBe('');
  });

  test('quoting: only when needed, or quote_all; custom delimiter and quote', async () => {
    expect(await stringify([{ a: 'x,y', b: 'say "hi"', c: 'l1\nl2', d: 'plain' }])).toBe(
      'a,b,c,d\n"x,y","say ""hi""","l1\nl2",plain\n',
    );
    expect(await stringify([{ a: 1, b: 'x' }], { quote_all: true })).toBe('"a","b"\n"1","x"\n');
    expect(await stringify([{ a: "it's", b: 'x;y' }], { delimiter: ';', quote_char: "'" })).toBe(
      "a;b\n'it''s';'x;y'\n",
    );
  });

  test('round trip through csv_parse, with unicode', async () => {
    const rows = [
      { city: 'Zürich', note: 'a, "b"\nc', emoji: '🚀' },
      { city: '東京', note: '', emoji: '' },
    ];
    const text = await stringify(rows);
    expect(await parse(text, { skip_empty_lines: false })).toEqual(rows);
  });

  test('errors', async () => {
    await expect(stringify('text')).rejects.toThrow(
      "csv_stringify requires 'source_key' to contain an object or array",
    );
    await expect(stringify([{ a: 1 }, [1]])).rejects.toThrow(
      'csv_stringify array must contain only objects, only arrays, or only scalar values',
    );
    await expect(runNode('csv_stringify', { source_key: 'x', output_key: 'o' }, {})).rejects.toThrow(
      "Key 'x' not found in context",
    );
    expect(checkNode('csv_stringify', { source_key: 'a', output_key: 'b', delimiter: 'ab' })).toEqual([
      'delimiter must be a single-byte character',
    ]);
  });
});
