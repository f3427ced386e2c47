import { describe, expect, it } from 'vitest';
import { formatDiagnostic, lineStartsOf, offsetToPosition } from './diagnostics.js';

describe('positions', () => {
  it('maps offsets to 1-based line and column', () => {
    const text = 'ab\ncde\n\nf';
    const starts = lineStartsOf(text);
    expect(offsetToPosition(starts, 0)).toEqual({ line: 1, col: 1 });
    expect(offsetToPosition(starts, 4)).toEqual({ line: 2, col: 2 });
    expect(offsetToPosition(starts, 7)).toEqual({ line: 3, col: 1 });
    expect(offsetToPosition(starts, 8)).toEqual({ line: 4, col: 1 });
  });
  it('formats as FILE:LINE:COL', () => {
    expect(
      formatDiagnostic({
        code: 'X',
        severity: 'warning',
        message: 'm',
        file: 'p.yaml',
        pos: { line: 3, col: 7 },
      }),
    ).toBe('p.yaml:3:7: warning: m');
  });
});
