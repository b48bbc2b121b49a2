/**
 * Outbox retention: deletes outbox rows that were sent more than OUTBOX_RETENTION_HOURS ago
 * (default 7 days), so the table holds recent history and the unsent rows, not every order ever.
 *
 * - A run deletes in bounded batches (OUTBOX_PRUNE_BATCH_SIZE rows per statement, at most
 *   MAX_BATCHES_PER_RUN statements), each its own short transaction, so it never holds many locks
 *   or one long transaction; a backlog is worked off over the following runs.
 * - Safe with several tasks: each batch locks the rows it deletes with FOR UPDATE SKIP LOCKED, so
 *   two tasks pruning at once delete different rows and never wait for each other. Unsent rows are
 *   never touched (the relay owns them), and a row the relay is marking sent is still unsent in
 *   every other transaction's view.
 * - Every run publishes `OutboxPruned` (rows deleted) as an EMF metric and logs a line when it
 *   deleted something. Runs start at a random point of the first interval, so tasks started
 *   together do not prune in step.
 */
import type { FastifyBaseLogger } from 'fastify';
import type pg from 'pg';
import { METRIC_NAMES } from '@securecart/contracts/metrics';
import { BackgroundLoop, WakeableDelay } from './background-loop';
import { emfLine } from './metrics';
import type { MetricsSink } from './metrics';

/**
 * One batch: the oldest sent rows past the retention, locked without waiting, then deleted. Both
 * halves are index scans (outbox_sent_at, then the primary key: `= ANY(ARRAY(...))` keeps the
 * planner from hash-joining the subquery against a scan of the whole table).
 */
const PRUNE_OUTBOX_SQL = `DELETE FROM outbox WHERE id = ANY(ARRAY(
  SELECT id FROM outbox
  WHERE sent_at IS NOT NULL AND sent_at < now() - make_interval(hours => $1::int)
  ORDER BY sent_at
  LIMIT $2
  FOR UPDATE SKIP LOCKED
))`;

/** A run stops after this many batches; what is left waits for the next run. */
const MAX_BATCHES_PER_RUN = 50;

export interface PrunerOptions {
  readonly pool: pg.Pool;
  /** Sent rows older than this are deleted; 0 keeps them for ever (the pruner does not run). */
  readonly retentionHours: number;
  readonly batchSize: number;
  readonly intervalMs: number;
  readonly maxBatchesPerRun?: number;
  readonly metricsNamespace: string;
  readonly metricsSink: MetricsSink;
  readonly log: FastifyBaseLogger;
}

export interface PruneResult {
  /** Rows deleted. */
  readonly pruned: number;
  /** DELETE statements run. */
  readonly batches: number;
  /** True when the run stopped at its batch limit (more rows may be due). */
  readonly capped: boolean;
}

export class OutboxPruner extends BackgroundLoop {
  private readonly delay = new WakeableDelay();

  constructor(private readonly options: PrunerOptions) {
    super();
  }

  get enabled(): boolean {
    return this.options.retentionHours > 0;
  }

  /** One bounded run: batches until one deletes fewer rows than the batch size, or the batch limit. */
  async pruneOnce(): Promise<PruneResult> {
    const { pool, retentionHours, batchSize, log } = this.options;
    // Retention 0 keeps rows for ever: a run must delete nothing (the SQL would take every sent row).
    if (!this.enabled) return { pruned: 0, batches: 0, capped: false };
    const maxBatches = this.options.maxBatchesPerRun ?? MAX_BATCHES_PER_RUN;
    let pruned = 0;
    let batches = 0;
    let last = batchSize;
    while (last === batchSize && batches < maxBatches) {
      const client = await pool.connect();
      try {
        // Its own short transaction (the row locks last only as long as the one statement).
        await client.query('BEGIN');
        const result = await client.query({
          name: 'outbox_prune_batch',
          text: PRUNE_OUTBOX_SQL,
          values: [retentionHours, batchSize],
        });
        await client.query('COMMIT');
        last = result.rowCount ?? 0;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
      pruned += last;
      batches++;
    }
    const capped = last === batchSize;
    this.options.metricsSink(
      emfLine(this.options.metricsNamespace, [{ name: METRIC_NAMES.outboxPruned, unit: 'Count', value: pruned }]),
    );
    if (pruned > 0 || capped) {
      log.info(
        { pruned, batches, capped, retentionHours },
        capped ? 'Pruned sent outbox rows; more are due (next run)' : 'Pruned sent outbox rows',
      );
    }
    return { pruned, batches, capped };
  }

  /** The periodic runs start only when the retention is not 0. */
  protected canStart(): boolean {
    return this.enabled;
  }

  protected interrupt(): void {
    this.delay.wake();
  }

  protected async run(): Promise<void> {
    const { intervalMs, log } = this.options;
    // The first run at a random point of the first interval: tasks started together spread out.
    let delay = Math.round(intervalMs * (0.25 + 0.75 * Math.random()));
    while (this.running) {
      await this.delay.wait(delay);
      if (!this.running) break;
      try {
        const { capped } = await this.pruneOnce();
        // A backlog (first run after a long time, a burst of orders) is worked off sooner.
        delay = capped ? Math.min(intervalMs, 60_000) : intervalMs;
      } catch (error) {
        log.error({ err: error }, 'Outbox prune failed; will retry at the next run');
        delay = intervalMs;
      }
    }
  }
}
