import { listSummaries, showProject } from '../../../src/commands/read.js';
import { renderShow } from '../../../src/render/human.js';
import { slotLine } from '../../../src/render/lifecycle.js';
import { PLAIN } from '../../../src/render/palette.js';
import { openSqliteStore } from '../../../src/store/sqlite-store.js';

/**
 * What `show <project>` and `list` do below the CLI layer: the same store, read commands and
 * renderers the product runs, without command-line parsing, Services or Output. A probe of the
 * bench's start-up anatomy (test/bench/startup-anatomy.mjs), never part of the package.
 */
export async function readLines(command: 'show' | 'list', project: string, storePath: string): Promise<string[]> {
  const store = await openSqliteStore({ path: storePath, now: () => new Date() });
  try {
    if (command === 'list') return (await listSummaries({ store: async () => store })).map((slot) => slotLine(slot, slot.subject, PLAIN));
    const shown = await showProject(project, { store: async () => store, envDefault: undefined, here: () => ({ host: 'bench', now: new Date(), isAlive: () => true }) });
    return renderShow(shown, PLAIN);
  } finally {
    await store.close();
  }
}
