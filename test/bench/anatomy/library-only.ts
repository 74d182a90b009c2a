import { writeSync } from 'node:fs';
import { openConnection } from '../../../src/store/connection.js';

// Probe: better-sqlite3 through the same loader, opened as the store opens it (the addon found
// directly) and running the statements a read runs (the open-time checks, then the reads), with
// none of the rest of cascade-image's code.
const [command, project = ''] = process.argv.slice(2);
const database = openConnection(process.env.CASCADE_IMAGE_DB ?? '');
database.prepare("select 1 from sqlite_master where type = 'table' and name = ?").get('cascade_schema_migrations');
database.prepare('select name from cascade_schema_migrations order by name').all();
database.pragma('journal_mode = WAL');
database.pragma('synchronous = NORMAL');
for (const table of ['projects', 'global_default', 'operators', 'contract_assignments', 'contracts', 'policies', 'held_drifts']) database.prepare(`pragma quick_check("${table}")`).all();
const rows =
  command === 'list'
    ? database.prepare('select id, worker_image, status, digest, pin_kind, error, warnings from projects order by id').all()
    : [
        database.prepare('select p.* from projects p left join held_drifts h on h.scope = p.id where p.id = ?').get(project),
        database.prepare('select * from validation_runs where project_id = ? order by id desc limit 1').get(project),
        database.prepare('select g.* from global_default g').get(),
        ...database.prepare('select * from contract_assignments a left join contracts c on c.hash = a.hash order by a.scope').all(),
      ];
writeSync(1, `${rows.map((row) => JSON.stringify(row)).join('\n')}\n`);
database.close();
process.exit(0);
