import { DEFAULT_SUBJECT, projectSubject } from '../../../src/domain/index.js';
import { openConnection } from '../../../src/store/connection.js';
import { checkWithSqlite, TABLES_CHECKED_ON_OPEN } from '../../../src/store/integrity.js';
import { SqliteReader } from '../../../src/store/sqlite-reader.js';
import { printLines } from './print-lines.js';

// Probe: better-sqlite3 through the same loader, running the statements a read runs (the store's
// connection, its open-time checks and its reader's queries), without the store around them, the
// read commands or the renderers.
const [command, project = ''] = process.argv.slice(2);
const path = process.env.CASCADE_IMAGE_DB ?? '';
const database = openConnection(path);
const reader = new SqliteReader(database);
reader.appliedMigrations();
database.pragma('journal_mode = WAL');
database.pragma('synchronous = NORMAL');
for (const table of TABLES_CHECKED_ON_OPEN) checkWithSqlite(database, path, table);
const found =
  command === 'list'
    ? reader.listSummaries()
    : [reader.getSlot(projectSubject(project)), reader.lastRun(projectSubject(project)), reader.getSlot(DEFAULT_SUBJECT), reader.contractAssignments()];
printLines(found.map((value) => JSON.stringify(value) ?? ''));
database.close();
process.exit(0);
