// The policy editor: CodeMirror 6 in YAML mode, with the validator's diagnostics as lint markers
// (gutter and underline) at their line:col. Styles go in with the page's CSP nonce.
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { yaml } from '@codemirror/lang-yaml';
import { bracketMatching, HighlightStyle, indentOnInput, syntaxHighlighting } from '@codemirror/language';
import { type Diagnostic, lintGutter, setDiagnostics } from '@codemirror/lint';
import { EditorState } from '@codemirror/state';
import {
  drawSelection,
  EditorView,
  highlightActiveLine,
  highlightActiveLineGutter,
  keymap,
  lineNumbers,
} from '@codemirror/view';
import { tags as t } from '@lezer/highlight';
import { NONCE } from './nonce.js';

export interface Marker {
  severity: string;
  message: string;
  code: string;
  line: number;
  col: number;
}

const theme = EditorView.theme(
  {
    '&': { backgroundColor: '#0d1117', color: '#c9d1d9', fontSize: '13px', height: '60vh' },
    '.cm-scroller': { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, monospace' },
    '.cm-gutters': { backgroundColor: '#161b22', color: '#6e7681', border: 'none' },
    '.cm-activeLine, .cm-activeLineGutter': { backgroundColor: '#161b2288' },
    '&.cm-focused .cm-cursor': { borderLeftColor: '#c9d1d9' },
    '.cm-tooltip': { backgroundColor: '#161b22', color: '#c9d1d9' },
  },
  { dark: true },
);

// YAML's parts in colours readable on the dark page (CodeMirror's default style is for light ones).
const highlight = HighlightStyle.define([
  { tag: [t.propertyName, t.definition(t.propertyName)], color: '#79c0ff' },
  { tag: [t.string, t.special(t.string), t.content], color: '#a5d6ff' },
  { tag: [t.number, t.bool, t.null, t.atom], color: '#ffa657' },
  { tag: [t.keyword, t.typeName, t.labelName], color: '#ff7b72' },
  { tag: [t.comment, t.meta], color: '#8b949e', fontStyle: 'italic' },
  { tag: [t.separator, t.punctuation, t.squareBracket, t.brace], color: '#8b949e' },
]);

/** A position in the document from a 1-based line and column, kept inside the document. */
function at(state: EditorState, line: number, col: number): { from: number; to: number } {
  const l = state.doc.line(Math.min(Math.max(line, 1), state.doc.lines));
  const from = Math.min(l.from + Math.max(col, 1) - 1, l.to);
  // To the end of the line (at least one character when the line has any).
  return { from, to: Math.max(l.to, Math.min(from + 1, state.doc.length)) };
}

export interface PolicyEditor {
  view: EditorView;
  mark(ms: readonly Marker[]): void;
  select(line: number, col: number): void;
  set(text: string): void;
  destroy(): void;
}

export function policyEditor(parent: HTMLElement, text: string, onChange: (t: string) => void): PolicyEditor {
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc: text,
      extensions: [
        EditorView.cspNonce.of(NONCE),
        lineNumbers(),
        highlightActiveLineGutter(),
        history(),
        drawSelection(),
        indentOnInput(),
        bracketMatching(),
        highlightActiveLine(),
        syntaxHighlighting(highlight),
        yaml(),
        lintGutter(),
        keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
        EditorState.tabSize.of(2),
        theme,
        EditorView.contentAttributes.of({ 'aria-label': 'policy', spellcheck: 'false' }),
        EditorView.updateListener.of((u) => {
          if (u.docChanged) onChange(u.state.doc.toString());
        }),
      ],
    }),
  });
  return {
    view,
    mark(ms) {
      const ds: Diagnostic[] = ms.map((m) => ({
        ...at(view.state, m.line, m.col),
        severity: m.severity === 'error' ? 'error' : m.severity === 'warning' ? 'warning' : 'info',
        message: m.message,
        source: m.code,
      }));
      view.dispatch(setDiagnostics(view.state, ds));
    },
    select(line, col) {
      const r = at(view.state, line, col);
      view.dispatch({ selection: { anchor: r.from, head: r.to }, scrollIntoView: true });
      view.focus();
    },
    set(t) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: t } });
    },
    destroy: () => view.destroy(),
  };
}
