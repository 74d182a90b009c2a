import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname, resolve } from 'node:path';

/**
 * Stack traces through the bundles point at src/: Node maps stack frames only for modules it
 * compiled itself (--enable-source-maps ignores code run through vm.Script), so frames in a bundle
 * are mapped here, through the source map beside it. A map is read on the first trace that needs
 * it, never at start-up.
 */
export function mapStackTraces(isBundle: (file: string) => boolean): void {
  const maps = new Map<string, SourceMap | null>();
  const mapOf = (file: string): SourceMap | null => {
    let map = maps.get(file);
    if (map === undefined) {
      try {
        map = new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8')) as ConstructorParameters<typeof SourceMap>[0]);
      } catch {
        map = null;
      }
      maps.set(file, map);
    }
    return map;
  };
  const frameLine = (frame: NodeJS.CallSite): string => {
    const file = frame.getFileName();
    const line = frame.getLineNumber();
    const column = frame.getColumnNumber();
    if (file === undefined || file === null || line === null || column === null || !isBundle(file)) return `    at ${String(frame)}`;
    const entry = mapOf(file)?.findEntry(line - 1, column - 1) as { originalSource?: string; originalLine?: number; originalColumn?: number } | undefined;
    if (entry?.originalSource === undefined || entry.originalLine === undefined || entry.originalColumn === undefined) return `    at ${String(frame)}`;
    const where = `${resolve(dirname(file), entry.originalSource)}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
    const name = frame.getFunctionName();
    return name === null || name === '' ? `    at ${where}` : `    at ${name} (${where})`;
  };
  Error.prepareStackTrace = (error: Error, frames: NodeJS.CallSite[]) => {
    let head: string;
    try {
      head = String(error);
    } catch {
      head = 'Error';
    }
    return [head, ...frames.map(frameLine)].join('\n');
  };
}
