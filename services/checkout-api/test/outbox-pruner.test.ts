import { postOrder, startService, TestIssuer, useService } from './helpers/harness';
import type { TestDatabase, TestService } from './helpers/harness';

let database: TestDatabase;
let issuer: TestIssuer;
let service: TestService;

useService({ OUTBOX_PRUNE_BATCH_SIZE: '4' }, (started) => ({ database, issuer, service } = started));

beforeEach(async () => {
  await database.pool.query('DELETE FROM orders');
});

/** Places `n` orders and sets their outbox rows' sent_at (null = unsent) and created_at, `ageHours` back. */
async function outboxRows(n: number, sentHoursAgo: number | null, createdHoursAgo = sentHoursAgo ?? 0) {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    ids.push((await postOrder(service.client, issuer.token({ sub: `customer-prune-${i % 3}` }))).body.orderId);
  }
  await database.pool.query(
    `UPDATE outbox SET created_at = now() - make_interval(hours => $2),
       sent_at = CASE WHEN $3::int IS NULL THEN NULL ELSE now() - make_interval(hours => $3::int) END
     WHERE order_id = ANY($1)`,
    [ids, createdHoursAgo, sentHoursAgo],
  );
  return ids;
}

const remaining = async () =>
  (await database.pool.query<{ order_id: string }>('SELECT order_id FROM outbox ORDER BY id')).rows.map(
    (r) => r.order_id,
  );

const prunedMetrics = (s: TestService = service) =>
  s.metrics.map((line) => JSON.parse(line)).filter((m) => 'OutboxPruned' in m);

test('deletes only rows sent longer ago than the retention (default 7 days), never unsent ones', async () => {
  const old = await outboxRows(6, 8 * 24); // sent 8 days ago
  const recent = await outboxRows(2, 6 * 24); // sent 6 days ago
  const unsentOld = await outboxRows(1, null, 30 * 24); // created 30 days ago, never sent
  expect(service.handle.config.outboxRetentionHours).toBe(168);

  const result = await service.handle.pruner.pruneOnce();
  expect(result).toEqual({ pruned: 6, batches: 2, capped: false }); // batches of 4: 4 + 2
  expect(await remaining()).toEqual([...recent, ...unsentOld]);
  // The orders themselves are kept: only their relay bookkeeping goes.
  expect(Number((await database.pool.query('SELECT count(*) AS n FROM orders')).rows[0].n)).toBe(9);
  expect(old).toHaveLength(6);

  const metric = prunedMetrics().at(-1);
  expect(metric._aws.CloudWatchMetrics[0]).toEqual({
    Namespace: 'SecureCart',
    Dimensions: [['Service']],
    Metrics: [{ Name: 'OutboxPruned', Unit: 'Count' }],
  });
  expect(metric.OutboxPruned).toBe(6);
  const line = service.logs.entries.filter((e) => e.message === 'Pruned sent outbox rows').at(-1);
  expect(line).toMatchObject({ component: 'outbox-pruner', pruned: 6, batches: 2, retentionHours: 168 });

  // Nothing more is due: a run deletes nothing, still reports 0, logs nothing new.
  const lines = service.logs.lines.length;
  expect(await service.handle.pruner.pruneOnce()).toEqual({ pruned: 0, batches: 1, capped: false });
  expect(prunedMetrics().at(-1).OutboxPruned).toBe(0);
  expect(service.logs.lines.length).toBe(lines);
});

test('a run is bounded: it stops at its batch limit and says more is due', async () => {
  const old = await outboxRows(10, 200);
  const bounded = await startService(database, issuer, {
    DB_RUN_MIGRATIONS: 'false',
    OUTBOX_PRUNE_BATCH_SIZE: '3',
  });
  try {
    const pruner = bounded.handle.pruner as unknown as { options: { maxBatchesPerRun?: number } };
    pruner.options.maxBatchesPerRun = 2;
    expect(await bounded.handle.pruner.pruneOnce()).toEqual({ pruned: 6, batches: 2, capped: true });
    expect(await remaining()).toHaveLength(4);
    expect(bounded.logs.entries.at(-1)).toMatchObject({
      message: 'Pruned sent outbox rows; more are due (next run)',
      pruned: 6,
      capped: true,
    });
    expect(await bounded.handle.pruner.pruneOnce()).toEqual({ pruned: 4, batches: 2, capped: false });
    expect(await remaining()).toEqual([]);
    expect(old).toHaveLength(10);
  } finally {
    await bounded.close();
  }
});

test('the retention is configurable, and 0 keeps sent rows for ever', async () => {
  const dayOld = await outboxRows(3, 25);
  const fresh = await outboxRows(2, 1);
  const daily = await startService(database, issuer, { DB_RUN_MIGRATIONS: 'false', OUTBOX_RETENTION_HOURS: '24' });
  const never = await startService(database, issuer, { DB_RUN_MIGRATIONS: 'false', OUTBOX_RETENTION_HOURS: '0' });
  try {
    expect(never.handle.pruner.enabled).toBe(false);
    expect((await never.handle.pruner.pruneOnce()).pruned).toBe(0);
    expect((await remaining()).sort()).toEqual([...dayOld, ...fresh].sort());
    expect((await daily.handle.pruner.pruneOnce()).pruned).toBe(3);
    expect(await remaining()).toEqual(fresh);
    expect(dayOld).toHaveLength(3);
  } finally {
    await Promise.all([daily.close(), never.close()]);
  }
});

test('several tasks pruning at once delete every due row exactly once', async () => {
  await outboxRows(23, 300);
  const keep = await outboxRows(2, 2);
  const others = await Promise.all(
    [1, 2].map(() => startService(database, issuer, { DB_RUN_MIGRATIONS: 'false', OUTBOX_PRUNE_BATCH_SIZE: '2' })),
  );
  try {
    const results = await Promise.all([service, ...others, others[0]].map((s) => s.handle.pruner.pruneOnce()));
    expect(results.reduce((n, r) => n + r.pruned, 0)).toBe(23);
    expect(await remaining()).toEqual(keep);
  } finally {
    await Promise.all(others.map((s) => s.close()));
  }
});

test('rejects an out-of-range retention', () => {
  const { loadConfig } = service.bundle;
  expect(() => loadConfig({ ...process.env, OUTBOX_RETENTION_HOURS: '-1' })).toThrow(
    /OUTBOX_RETENTION_HOURS must be an integer from 0 to 87600/,
  );
});
