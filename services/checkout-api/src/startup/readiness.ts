/**
 * GET /api/health/ready: the writer answers (within 2 s) and every migration this bundle ships has
 * been applied (checked until it holds once); never ready while draining.
 */
import { readdirSync } from 'node:fs';
import type { FastifyBaseLogger } from 'fastify';
import { appliedMigrations } from '../db';
import type { Database } from '../db';
import type { Readiness } from '../routes/health';

const READINESS_TIMEOUT_MS = 2000;

/** The migration names in `dir` (the .sql files, sorted). */
export function migrationNames(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .map((f) => f.replace(/\.sql$/, ''))
    .sort();
}

async function appliedSet(db: Database): Promise<Set<string>> {
  const applied = await appliedMigrations(db.writer).catch((error: { code?: string }) => {
    if (error.code === '42P01') return []; // no migrations table yet
    throw error;
  });
  return new Set(applied);
}

function timeout(): Promise<Readiness> {
  return new Promise((resolve) =>
    setTimeout(() => resolve({ ok: false, reason: 'database timeout' }), READINESS_TIMEOUT_MS).unref(),
  );
}

export function readinessCheck(
  db: Database,
  expectedMigrations: readonly string[],
  isDraining: () => boolean,
  log: FastifyBaseLogger,
): () => Promise<Readiness> {
  let migrationsVerified = false;
  const check = async (): Promise<Readiness> => {
    await db.writer.query('SELECT 1');
    if (!migrationsVerified) {
      const applied = await appliedSet(db);
      const missing = expectedMigrations.filter((m) => !applied.has(m));
      if (missing.length) return { ok: false, reason: `migrations not applied: ${missing.join(', ')}` };
      migrationsVerified = true;
    }
    return { ok: true };
  };
  return async () => {
    if (isDraining()) return { ok: false, reason: 'draining' };
    try {
      return await Promise.race([check(), timeout()]);
    } catch (error) {
      log.warn({ err: error }, 'Readiness check failed');
      return { ok: false, reason: 'database unreachable' };
    }
  };
}
