// The Session view's terminal output player: xterm.js over the session's `text_output` chunks in
// time order (their escape sequences drawn as a terminal would: never as HTML). Read-only.
import { Terminal } from '@xterm/xterm';
import { h } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { styleNonceDuring } from './nonce.js';

export interface Chunk {
  ts: string;
  text: string;
}

// Replay keeps the chunks' rhythm, with a long pause shortened to this.
const MAX_GAP_MS = 400;

export function TerminalPlayer({ chunks }: { chunks: Chunk[] }) {
  const host = useRef<HTMLDivElement>(null);
  const term = useRef<Terminal | null>(null);
  const [playing, setPlaying] = useState(false);
  useEffect(() => {
    if (!host.current) return;
    const t = styleNonceDuring(() => {
      const x = new Terminal({
        disableStdin: true,
        convertEol: true,
        cols: 100,
        rows: 16,
        scrollback: 10_000,
        cursorBlink: false,
        fontSize: 13,
        theme: { background: '#010409', foreground: '#c9d1d9' },
      });
      x.open(host.current as HTMLDivElement);
      return x;
    });
    term.current = t;
    for (const c of chunks) t.write(c.text);
    return () => {
      t.dispose();
      term.current = null;
    };
  }, [chunks]);
  const replay = () => {
    const t = term.current;
    if (!t || playing) return;
    t.reset();
    setPlaying(true);
    let i = 0;
    const next = () => {
      const c = chunks[i];
      if (!c || term.current !== t) {
        setPlaying(false);
        return;
      }
      t.write(c.text);
      i++;
      const n = chunks[i];
      const gap = n ? Math.min(MAX_GAP_MS, Math.max(0, Date.parse(n.ts) - Date.parse(c.ts))) : 0;
      setTimeout(next, gap);
    };
    next();
  };
  return h(
    'figure',
    { class: 'terminal-box' },
    h(
      'figcaption',
      null,
      `terminal output (${chunks.length} chunk${chunks.length === 1 ? '' : 's'}) `,
      h('button', { name: 'replay', onClick: replay, disabled: playing }, playing ? 'playing…' : '▶ replay'),
    ),
    h('div', { class: 'terminal', 'data-testid': 'terminal', ref: host }),
  );
}
