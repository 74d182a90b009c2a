import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cycles, importsUnder, layerOf } from './imports.js';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));
const imports = importsUnder(SRC);

function layerGraph(): Map<string, Set<string>> {
  const edges = new Map<string, Set<string>>();
  for (const { file, target } of imports) {
    if (target === undefined) continue;
    const from = layerOf(file);
    const to = layerOf(target);
    if (!edges.has(from)) edges.set(from, new Set());
    if (from !== to) edges.get(from)?.add(to);
  }
  return edges;
}

describe('the folder layering of src/', () => {
  it('sees the imports it checks (static, type-only and dynamic), and each resolves to a file', () => {
    expect(imports.some((i) => i.file === 'main.ts' && i.specifier === './cli/run.js')).toBe(true);
    expect(imports.some((i) => i.file === 'cli/services.ts' && i.specifier === '../store/sqlite-store.js')).toBe(true);
    const missing = imports.filter((i) => i.target !== undefined && !existsSync(`${SRC}${i.target}`)).map((i) => `${i.file} → ${i.specifier}`);
    expect(missing).toEqual([]);
  });

  it('finds a cycle when there is one (the checker itself works)', () => {
    const graph = new Map([
      ['a/', new Set(['b/'])],
      ['b/', new Set(['c/'])],
      ['c/', new Set(['a/'])],
      ['d/', new Set(['a/'])],
    ]);
    expect(cycles(graph)).toEqual([['a/', 'b/', 'c/']]);
  });

  it('has no folder cycles: no folder imports one that imports it back, directly or round about', () => {
    expect(cycles(layerGraph())).toEqual([]);
  });

  it('keeps the domain at the bottom: it imports no other folder', () => {
    expect([...(layerGraph().get('domain/') ?? [])]).toEqual([]);
  });

  it('keeps the file formats low: they may use only the domain, the checks and the errors', () => {
    const formats = layerGraph().get('formats/') ?? new Set();
    expect([...formats].filter((layer) => !['domain/', 'checks/', 'errors.ts'].includes(layer))).toEqual([]);
  });

  it('keeps the trust checks pure: the domain, the reference grammar, the ports and the errors, and node:crypto', () => {
    const trust = imports.filter((i) => layerOf(i.file) === 'trust/');
    expect(trust.length).toBeGreaterThan(0);
    const allowed = ['trust/', 'domain/', 'reference/', 'ports/', 'errors.ts'];
    const outside = trust.filter((i) => (i.target === undefined ? !['node:crypto', 'node:module'].includes(i.specifier) : !allowed.includes(layerOf(i.target))));
    expect(outside.map((i) => `${i.file} → ${i.specifier}`)).toEqual([]);
  });

  it('loads node:crypto for the trust checks on first use, never at start-up', async () => {
    const { readFileSync } = await import('node:fs');
    const { sourceFiles } = await import('./imports.js');
    const eager = sourceFiles(`${SRC}trust/`).filter((path) => /^import (?!type )[^;]*'node:crypto'/m.test(readFileSync(path, 'utf8')));
    expect(eager).toEqual([]);
  });

  it('keeps the commands below the CLI and apart from rendering', () => {
    const commands = layerGraph().get('commands/') ?? new Set();
    expect([...commands].filter((layer) => layer === 'cli/' || layer === 'render/')).toEqual([]);
  });
});

describe('one process boundary', () => {
  it('only src/main.ts reads or touches `process` (argv, env, streams, signals, exit)', async () => {
    const { readFileSync } = await import('node:fs');
    const { sourceFiles } = await import('./imports.js');
    const touching = sourceFiles(SRC)
      .filter((path) => !path.endsWith('/main.ts'))
      .filter((path) => /^(?!\s*(\/\/|\*)).*\bprocess\.(env|argv|exit|stdout|stderr|stdin|on|once|kill|pid|exitCode)\b/m.test(readFileSync(path, 'utf8')));
    expect(touching).toEqual([]);
  });
});

describe('each library in exactly one adapter folder', () => {
  const homes: Record<string, string> = {
    dockerode: 'docker/',
    'better-sqlite3': 'store/',
    kysely: 'store/',
    pg: 'store/',
    commander: 'cli/',
    chalk: 'render/',
    'cli-progress': 'render/',
    ora: 'render/',
    execa: 'credentials/',
    zod: 'formats/',
    yaml: 'formats/',
    semver: 'checks/',
  };
  it.each(Object.entries(homes))('%s is imported only under src/%s', (library, home) => {
    // Subpath imports (`semver/ranges/valid.js`) count as the library too.
    const users = imports.filter((i) => i.specifier === library || i.specifier.startsWith(`${library}/`)).map((i) => i.file);
    expect(users.length).toBeGreaterThan(0);
    expect(users.filter((file) => layerOf(file) !== home)).toEqual([]);
  });
});
