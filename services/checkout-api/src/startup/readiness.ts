/**
 * GET /api/health/ready: the writer answers (within 2 s), every migration this bundle ships has
 * been applied (checked until it holds once), and the tables and queues it needs exist (checked
 * until they do, then again at most once a minute; the reason names the missing ones); never ready
 * while draining.
 *
 * The resource probes use only what the task role may already do (Scan on Catalog, GetItem on
 * Carts, no side effects) and, for the queues, GetQueueAttributes: only an answer that says the
 * resource does not exist makes the service unready. Any other error (AccessDenied, where the role
 * does not grant GetQueueAttributes; throttling) is logged and counts as "not known to be missing",
 * so readiness never flaps on an AWS hiccup. Locally (LocalStack, an emulator) every probe answers.
 */
import { readdirSync } from 'node:fs';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TABLE_KEYS } from '@securecart/contracts/tables';
import type { FastifyBaseLogger } from 'fastify';
import { appliedMigrations } from '../db';
import type { Database } from '../db';
import type { Readiness } from '../routes/health';

const READINESS_TIMEOUT_MS = 2000;
/** Once every resource was found, how long before they are looked for again. */
export const RESOURCE_RECHECK_MS = 60_000;

/** A table or queue the service needs, and a side-effect-free request that fails when it is missing. */
export interface ResourceProbe {
  readonly kind: 'table' | 'queue';
  readonly name: string;
  probe(): Promise<unknown>;
}

/** Error names meaning "this table or queue does not exist" (DynamoDB; SQS JSON and query protocols). */
const MISSING_ERRORS = new Set([
  'ResourceNotFoundException',
  'QueueDoesNotExist',
  'AWS.SimpleQueueService.NonExistentQueue',
]);

export function isMissingResource(error: unknown): boolean {
  const e = error as { name?: string; Code?: string; code?: string };
  return [e?.name, e?.Code, e?.code].some((n) => !!n && MISSING_ERRORS.has(n));
}

/** The service's tables and queues, each with its probe. */
export function resourceProbes(
  ddb: DynamoDBDocumentClient,
  sqs: SQSClient,
  names: { catalogTable: string; cartsTable: string; ordersQueueUrl: string; orderStatusQueueUrl: string },
): ResourceProbe[] {
  const queue = (url: string): ResourceProbe => ({
    kind: 'queue',
    name: url,
    probe: () => sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] })),
  });
  return [
    {
      kind: 'table',
      name: names.catalogTable,
      probe: () => ddb.send(new ScanCommand({ TableName: names.catalogTable, Limit: 1 })),
    },
    {
      kind: 'table',
      name: names.cartsTable,
      // A key no customer has (a token's sub is never empty-looking like this): reads nothing.
      probe: () =>
        ddb.send(
          new GetCommand({ TableName: names.cartsTable, Key: { [TABLE_KEYS.carts.partitionKey]: '#readiness-probe' } }),
        ),
    },
    queue(names.ordersQueueUrl),
    queue(names.orderStatusQueueUrl),
  ];
}

/** The migration names in `dir` (the .sql files, sorted). */
export function migrationNames(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .map((f) => f.replace(/\.sql$/, ''))
    .sort();
}

async function appliedSet(db: Database): Promise<Set<string>> {
  const applied = await appliedMigrations(db.writer).catch((error: { code?: string }) => {
    // No migrations table yet, or not yet granted to this user: the bootstrap task has not run.
    if (error.code === '42P01' || error.code === '42501') return [];
    throw error;
  });
  return new Set(applied);
}

function timeout(): Promise<Readiness> {
  return new Promise((resolve) =>
    setTimeout(() => resolve({ ok: false, reason: 'database timeout' }), READINESS_TIMEOUT_MS).unref(),
  );
}

/**
 * The resources whose probe says they do not exist, as `<kind> <name>`. Other errors are logged
 * (at warn once per resource — AccessDenied repeats at every recheck — then at debug) and skipped.
 */
async function findMissing(
  resources: readonly ResourceProbe[],
  unverifiable: Set<string>,
  log: FastifyBaseLogger,
): Promise<string[]> {
  const missing = await Promise.all(
    resources.map((r) =>
      Promise.resolve()
        .then(() => r.probe())
        .then(
          () => undefined,
          (error: unknown) => {
            if (isMissingResource(error)) return `${r.kind} ${r.name}`;
            const level = unverifiable.has(r.name) ? 'debug' : 'warn';
            unverifiable.add(r.name);
            log[level](
              { err: error, resource: r.name },
              'Readiness: could not check a resource; not counted as missing',
            );
            return undefined;
          },
        ),
    ),
  );
  return missing.filter((m): m is string => !!m);
}

export function readinessCheck(
  db: Database,
  expectedMigrations: readonly string[],
  isDraining: () => boolean,
  log: FastifyBaseLogger,
  resources: readonly ResourceProbe[] = [],
  now: () => number = Date.now,
): () => Promise<Readiness> {
  let migrationsVerified = false;
  let resourcesFoundAt: number | undefined;
  const unverifiable = new Set<string>();
  const missingResources = () => findMissing(resources, unverifiable, log);
  const check = async (): Promise<Readiness> => {
    await db.writer.query('SELECT 1');
    if (!migrationsVerified) {
      const applied = await appliedSet(db);
      const missing = expectedMigrations.filter((m) => !applied.has(m));
      if (missing.length) return { ok: false, reason: `migrations not applied: ${missing.join(', ')}` };
      migrationsVerified = true;
    }
    if (resources.length && (resourcesFoundAt === undefined || now() - resourcesFoundAt >= RESOURCE_RECHECK_MS)) {
      const missing = await missingResources();
      if (missing.length) {
        resourcesFoundAt = undefined;
        return { ok: false, reason: `missing: ${missing.join(', ')}` };
      }
      resourcesFoundAt = now();
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
