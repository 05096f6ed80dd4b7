import { openStore } from '/work/main/src/store/driver.js';
for (const db of ['postgres://postgres@127.0.0.1:5432/opencim_access_bench', '/tmp/acc/pgl']) {
  const s = await openStore(db);
  try {
    const r = await s.transaction(async (tx) => {
      await tx.query("DECLARE c1 NO SCROLL CURSOR FOR SELECT id FROM buildings WHERE city_id = $1 AND residential", ['gen100k']);
      const a = await tx.query('FETCH 3 FROM c1');
      await tx.query('CLOSE c1');
      return a;
    });
    console.log(db, r);
    try { await s.query("DECLARE c2 NO SCROLL CURSOR FOR SELECT 1"); } catch (e) { console.log('outside tx:', (e as Error).message, (e as { code?: string }).code); }
  } finally { await s.close(); }
}
