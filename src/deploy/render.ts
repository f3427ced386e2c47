// Multi-document YAML from typed objects, with the notes as comments beside their fields.
import { Document, isMap, isNode, isPair, isScalar, isSeq, type Node, type Pair } from 'yaml';
import type { Manifest } from './objects.js';

/** The pair whose key is `key` in a map node, if any. */
function pairOf(map: unknown, key: string): Pair | undefined {
  if (!isMap(map)) return undefined;
  return map.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === key) as Pair | undefined;
}

function attach(doc: Document, path: (string | number)[], text: string): void {
  if (path.length === 0) {
    doc.commentBefore = doc.commentBefore ? `${doc.commentBefore}\n${text}` : text;
    return;
  }
  const parentPath = path.slice(0, -1);
  const last = path[path.length - 1]!;
  const parent = parentPath.length ? doc.getIn(parentPath, true) : doc.contents;
  let target: Node | undefined;
  if (typeof last === 'number') {
    const item = isSeq(parent) ? parent.items[last] : undefined;
    if (isNode(item)) target = item;
  } else {
    const key = pairOf(parent, last)?.key;
    if (isNode(key)) target = key;
  }
  // A note for a field that is not there is a bug in the builder, not a silent no-op.
  if (!target) throw new Error(`no field ${path.join('.')} to comment`);
  target.commentBefore = target.commentBefore ? `${target.commentBefore}\n${text}` : text;
}

/** One YAML document per manifest, separated by `---`, with a header comment. */
export function renderYaml(manifests: Manifest[], header: string): string {
  const docs = manifests.map((m) => {
    const doc = new Document(m.object);
    for (const n of m.notes) attach(doc, n.path, n.text);
    return doc.toString({ lineWidth: 0 });
  });
  return `${header}${docs.map((d) => `---\n${d}`).join('')}`;
}
