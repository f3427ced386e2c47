import { describe, expect, it } from 'vitest';
import { csvField, csvHeader, csvRecord } from './csv.js';

describe('csvField', () => {
  it('quotes commas, quotes and line breaks', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
  });

  it('defuses text a spreadsheet would run as a formula', () => {
    expect(csvField('=HYPERLINK("http://x","y")')).toBe(`"'=HYPERLINK(""http://x"",""y"")"`);
    expect(csvField('+cmd|calc')).toBe("'+cmd|calc");
    expect(csvField('-bash')).toBe("'-bash");
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField('\t=1+1')).toBe("'\t=1+1");
  });

  it('leaves numbers, and text with a formula character later on, as they are', () => {
    for (const n of ['-1', '+2.5', '-0.5e3', '42', '.5']) expect(csvField(n)).toBe(n);
    expect(csvField('a=b')).toBe('a=b');
    expect(csvRecord(['x', '=1', '-3'])).toBe("x,'=1,-3\r\n");
  });
});

describe('csvHeader', () => {
  it('keeps field names such as @timestamp, quoting only what needs it', () => {
    expect(csvHeader(['@timestamp', 'process.name', 'a,b'])).toBe('@timestamp,process.name,"a,b"\r\n');
  });
});
