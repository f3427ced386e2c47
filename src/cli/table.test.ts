// Table and CSV rendering (src/cli/table.ts) and the output-format choice.
import { describe, expect, it } from 'vitest';
import { UsageError } from './args.js';
import {
  cellText,
  chooseFormat,
  csvField,
  csvRecord,
  displayWidth,
  fitWidths,
  getField,
  parseFields,
  renderTable,
  sanitize,
  tableWidth,
  truncate,
} from './table.js';

const lines = (s: string) => s.split('\n').slice(0, -1);

describe('format selection', () => {
  it('a table on a terminal, NDJSON piped; --format wins either way', () => {
    expect(chooseFormat(undefined, { isTTY: true })).toBe('table');
    expect(chooseFormat(undefined, { isTTY: false })).toBe('ndjson');
    expect(chooseFormat(undefined, {})).toBe('ndjson');
    expect(chooseFormat('ndjson', { isTTY: true })).toBe('ndjson');
    expect(chooseFormat('csv', { isTTY: true })).toBe('csv');
    expect(chooseFormat('table', {})).toBe('table');
  });
  it('a bad --format is a usage error naming the value', () => {
    expect(() => chooseFormat('xml', { isTTY: true })).toThrow(UsageError);
    expect(() => chooseFormat('JSON', {})).toThrow('--format takes ndjson, table, csv, not "JSON"');
  });
  it('width: the terminal, else $COLUMNS, else unlimited', () => {
    expect(tableWidth({ isTTY: true, columns: 132 }, {})).toBe(132);
    expect(tableWidth({ isTTY: true }, {})).toBe(80);
    expect(tableWidth({ isTTY: false }, { COLUMNS: '100' })).toBe(100);
    expect(tableWidth({}, {})).toBe(Number.POSITIVE_INFINITY);
  });
  it('--fields: names separated by commas', () => {
    expect(parseFields(undefined)).toBeUndefined();
    expect(parseFields('a, b.c ,@timestamp')).toEqual(['a', 'b.c', '@timestamp']);
    expect(() => parseFields('a,,b')).toThrow(UsageError);
  });
});

describe('display width', () => {
  it('counts terminal columns: wide CJK and emoji 2, combining marks 0, a grapheme once', () => {
    expect(displayWidth('bash')).toBe(4);
    expect(displayWidth('日本語')).toBe(6);
    expect(displayWidth('e\u0301')).toBe(1); // e + combining acute
    expect(displayWidth('🔥')).toBe(2);
    expect(displayWidth('👩‍👩‍👧')).toBe(2); // a ZWJ family is one glyph
    expect(displayWidth('🇫🇷')).toBe(2);
    expect(displayWidth('ｆｕｌｌ')).toBe(8);
  });
  it('truncates with an ellipsis, never inside a grapheme or half a wide character', () => {
    expect(truncate('abcdef', 6)).toBe('abcdef');
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('日本語テキスト', 6)).toBe('日本…');
    expect(displayWidth(truncate('日本語テキスト', 6))).toBe(5);
    expect(truncate('e\u0301e\u0301e\u0301', 2)).toBe('e\u0301…');
    expect(truncate('abc', 1)).toBe('…');
    expect(truncate('abc', 0)).toBe('');
  });
  it('shows control characters and bidi overrides instead of sending them to the terminal', () => {
    expect(sanitize('a\nb\tc')).toBe('a\\nb\\tc');
    expect(sanitize('\x1b[31mred')).toBe('\\u001b[31mred');
    expect(sanitize('x\u202Ey')).toBe('x\\u202ey');
    expect(sanitize('plain é 日')).toBe('plain é 日');
  });
});

describe('column widths', () => {
  it('keeps natural widths when they fit', () => {
    expect(fitWidths([3, 10, 5], 100)).toEqual({ widths: [3, 10, 5], kept: [0, 1, 2] });
  });
  it('narrow columns keep theirs; the wide ones share the rest', () => {
    // 3 + 40 + 40 + 2 gaps of 2 = 87 > 40: 40 - 4 - 3 = 33 left for the two wide ones.
    const { widths } = fitWidths([3, 40, 40], 40);
    expect(widths[0]).toBe(3);
    expect(widths[1]! + widths[2]!).toBe(33);
    expect(Math.abs(widths[1]! - widths[2]!)).toBeLessThanOrEqual(1);
  });
  it('leaves out columns from the right when even their minimums do not fit', () => {
    expect(fitWidths([10, 10, 10], 19, [10, 8, 8]).kept).toEqual([0]);
    expect(fitWidths([10, 20, 10], 25, [10, 8, 8])).toEqual({ widths: [10, 13], kept: [0, 1] });
  });
});

describe('renderTable', () => {
  it('aligns columns by display width, right-aligns numbers, trims trailing blanks', () => {
    const t = renderTable(
      ['NAME', 'N'],
      [
        ['日本', '5'],
        ['bash', '12'],
      ],
      { right: [false, true] },
    );
    expect(lines(t)).toEqual(['NAME   N', '日本   5', 'bash  12']);
  });
  it('fits the width: every line at most as wide, cut cells end in …', () => {
    const long = 'x'.repeat(200);
    const t = renderTable(['A', 'B', 'C'], [['a', long, 'c'.repeat(50)]], { width: 60 });
    for (const l of lines(t)) expect(displayWidth(l)).toBeLessThanOrEqual(60);
    expect(lines(t)[1]).toMatch(/^a {2}x+… {2}c+…$/);
  });
  it('never cuts a kept column; reports the columns left out', () => {
    const dropped: string[][] = [];
    const ts = '2026-01-01T00:00:00.000Z';
    const t = renderTable(['@timestamp', 'LONGHEADER', 'OTHERHEADER'], [[ts, 'v', 'w']], {
      width: 30,
      keep: [true, false, false],
      onDrop: (h) => dropped.push(h),
    });
    expect(lines(t)).toEqual(['@timestamp', ts]);
    expect(dropped).toEqual([['LONGHEADER', 'OTHERHEADER']]);
  });
  it('a missing cell is blank, a newline in a value stays on its row', () => {
    expect(lines(renderTable(['A', 'B'], [['x'], ['one\ntwo', 'y']]))).toEqual([
      'A         B',
      'x',
      'one\\ntwo  y',
    ]);
  });
});

describe('CSV (RFC 4180)', () => {
  it('quotes fields with commas, quotes, CR or LF, doubling quotes; CRLF records', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('l1\nl2')).toBe('"l1\nl2"');
    expect(csvField('cr\r')).toBe('"cr\r"');
    expect(csvField('')).toBe('');
    expect(csvRecord(['a', 'b,c', ''])).toBe('a,"b,c",\r\n');
  });
});

describe('values of documents', () => {
  const doc = {
    process: { name: 'sh', args: ['sh', '-c', 'echo "hi" there'], parent: { pid: 1 } },
    'orchestrator.namespace': 'prod',
    orchestrator: { 'resource.name': 'web-1' },
    dns: { answers: [{ data: '1.1.1.1' }, { data: '8.8.8.8' }] },
    labels: { tier: 'web' },
  };
  it('reads nested, dotted and mixed paths, and through arrays of objects', () => {
    expect(getField(doc, 'process.name')).toBe('sh');
    expect(getField(doc, 'process.parent.pid')).toBe(1);
    expect(getField(doc, 'orchestrator.namespace')).toBe('prod');
    expect(getField(doc, 'orchestrator.resource.name')).toBe('web-1');
    expect(getField(doc, 'dns.answers.data')).toEqual(['1.1.1.1', '8.8.8.8']);
    expect(getField(doc, 'process.nope')).toBeUndefined();
    expect(getField(null, 'a')).toBeUndefined();
  });
  it('shows lists joined, arguments as a command line, objects as JSON, null as blank', () => {
    expect(cellText(getField(doc, 'dns.answers.data'), 'dns.answers.data')).toBe('1.1.1.1, 8.8.8.8');
    expect(cellText(doc.process.args, 'process.args')).toBe('sh -c "echo \\"hi\\" there"');
    expect(cellText(doc.labels, 'labels')).toBe('{"tier":"web"}');
    expect(cellText(null)).toBe('');
    expect(cellText(undefined)).toBe('');
    expect(cellText(false)).toBe('false');
    expect(cellText(0)).toBe('0');
  });
});
