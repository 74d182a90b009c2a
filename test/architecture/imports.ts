import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/** One import found in a source file: static (`from '…'`, `export … from '…'`) or dynamic (`import('…')`). */
export interface SourceImport {
  /** The importing file, relative to src/ (e.g. `cli/run.ts`). */
  readonly file: string;
  /** The specifier as written. */
  readonly specifier: string;
  /** For a relative specifier: the imported file relative to src/, with `.ts`; else undefined. */
  readonly target: string | undefined;
}

const SPECIFIER = /(?:\bfrom\s+|\bimport\s*\(\s*|^\s*import\s+)'([^']+)'/gm;

export function sourceFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) out.push(path);
    }
  };
  walk(root);
  return out.sort();
}

/** Every import of every .ts file under `root`; comments are not parsed away, so keep specifiers out of them. */
export function importsUnder(root: string): SourceImport[] {
  return sourceFiles(root).flatMap((path) => {
    const text = readFileSync(path, 'utf8');
    const file = relative(root, path);
    return [...text.matchAll(SPECIFIER)].map((match) => {
      const specifier = match[1] ?? '';
      const target = specifier.startsWith('.') ? relative(root, resolve(dirname(path), specifier)).replace(/\.js$/, '.ts') : undefined;
      return { file, specifier, target };
    });
  });
}

/** The layer a file belongs to: its top folder under src/, or the file itself for top-level files. */
export function layerOf(file: string): string {
  const [first, ...rest] = file.split('/');
  return rest.length === 0 ? (first ?? file) : `${first}/`;
}

/** Strongly connected groups of more than one layer (Tarjan): each is a folder cycle. */
export function cycles(edges: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string) => {
    indices.set(node, index);
    low.set(node, index);
    index += 1;
    stack.push(node);
    onStack.add(node);
    for (const next of edges.get(node) ?? []) {
      if (!indices.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node) ?? 0, low.get(next) ?? 0));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node) ?? 0, indices.get(next) ?? 0));
      }
    }
    if (low.get(node) === indices.get(node)) {
      const group: string[] = [];
      let member: string | undefined;
      do {
        member = stack.pop();
        if (member === undefined) break;
        onStack.delete(member);
        group.push(member);
      } while (member !== node);
      if (group.length > 1) found.push(group.sort());
    }
  };
  for (const node of [...edges.keys()].sort()) if (!indices.has(node)) visit(node);
  return found;
}
