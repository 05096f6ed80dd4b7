/**
 * A server in a process of its own (run with `node --import tsx`), so that load from the test
 * process is real concurrency: PGlite answers a request within one turn of the server's event
 * loop, which in one process would also hold the clients back. Args: DB OPTIONS_JSON.
 */
import { startServer } from '../../src/server/app.js';
import { openStore } from '../../src/store/driver.js';

const [db, json] = process.argv.slice(2);
const store = await openStore(db);
const s = await startServer(store, { port: 0, host: '127.0.0.1' }, { tokens: [], ...(db.startsWith('postgres') ? { pgUrl: db } : {}), ...JSON.parse(json ?? '{}') });
process.stdout.write(`listening ${s.address}\n`);
process.on('SIGTERM', async () => { await s.close(); await store.close(); process.exit(0); });
