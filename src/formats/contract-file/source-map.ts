import { isAlias, isMap, isNode, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import type { SourcePosition } from './model.js';

/** A field's path as zod and the checks see it: `['checks', 2, 'range']`. */
export type FieldPath = readonly PropertyKey[];

/** What errors call the file as a whole (a syntax error outside any field, a missing `contract:`). */
export const WHOLE_FILE = '(file)';

/** `checks[2].range`, `env.LANG`, `labels["org.opencontainers.image.source"]`. */
export function formatField(path: FieldPath): string {
  if (path.length === 0) return WHOLE_FILE;
  return path
    .map((segment, index) => {
      if (typeof segment === 'number') return `[${segment}]`;
      const name = String(segment);
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return `[${JSON.stringify(name)}]`;
      return index === 0 ? name : `.${name}`;
    })
    .join('');
}

interface Span {
  /** Where the key starts (map entries only): unknown keys are reported there. */
  readonly key: number | undefined;
  /** Where the value starts: everything else is reported there. */
  readonly value: number;
  /** From the key (or value) to the end of the value: which field a syntax error is in. */
  readonly start: number;
  readonly end: number;
  readonly depth: number;
}

/** Where every field of a parsed YAML document is, by its formatted path. */
export class SourceMap {
  private readonly spans = new Map<string, Span>();

  constructor(
    document: Document,
    private readonly lines: LineCounter,
  ) {
    if (isNode(document.contents)) this.index(document.contents, [], undefined);
  }

  /** Where the value at `path` is; for a field that is not there, where its nearest enclosing field is. */
  value(path: FieldPath): SourcePosition {
    for (let length = path.length; length >= 0; length -= 1) {
      const span = this.spans.get(formatField(path.slice(0, length)));
      if (span !== undefined) return this.position(span.value);
    }
    return { line: 1, column: 1 };
  }

  /** Where the key of the entry at `path` is (its value when it has no key). */
  key(path: FieldPath): SourcePosition {
    const key = this.spans.get(formatField(path))?.key;
    return key === undefined ? this.value(path) : this.position(key);
  }

  /** The innermost field that contains `offset`, or the whole file. */
  fieldAt(offset: number): string {
    let found: [string, Span] | undefined;
    for (const entry of this.spans) {
      const [, span] = entry;
      // A node's end is where the next one starts; an empty value still owns its own offset.
      const inside = span.start <= offset && offset < Math.max(span.end, span.start + 1);
      if (inside && (found === undefined || span.depth > found[1].depth)) found = entry;
    }
    return found?.[0] ?? WHOLE_FILE;
  }

  /** Every field's value position, for errors found after parsing (a resolved `drop`). */
  positions(): Record<string, SourcePosition> {
    return Object.fromEntries([...this.spans].map(([field, span]) => [field, this.position(span.value)]));
  }

  position(offset: number): SourcePosition {
    const { line, col } = this.lines.linePos(offset);
    return { line, column: col };
  }

  private index(node: Node, path: readonly PropertyKey[], keyOffset: number | undefined): void {
    const [start = 0, , end = start] = node.range ?? [];
    this.spans.set(formatField(path), { key: keyOffset, value: start, start: keyOffset ?? start, end, depth: path.length });
    // An alias is a leaf here: its anchor is indexed where it is defined.
    if (isAlias(node)) return;
    // A `[key: value]` pair in a flow sequence is not a node: errors inside it point at the sequence.
    if (isSeq(node)) node.items.forEach((item, index) => isNode(item) && this.index(item, [...path, index], undefined));
    if (isMap(node)) {
      for (const { key, value } of node.items) {
        const keyNode = isNode(key) ? key : null;
        const name = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
        const keyStart = keyNode?.range?.[0];
        // `key:` with nothing after it still has a (null) value node; `? key` alone has none.
        if (isNode(value)) this.index(value, [...path, name], keyStart);
        else if (keyNode !== null) this.index(keyNode, [...path, name], keyStart);
      }
    }
  }
}
