/**
 * The shared cache (ElastiCache Serverless for Valkey in the cloud, any Valkey/Redis server
 * locally; docs/adr/0026-shared-cache.md), through `iovalkey`:
 *
 * - `cacheAside(key, ttlSeconds, load)`: the generic read helper. Answers from the cache when it
 *   holds the key, else calls `load` (the source), stores its result for `ttlSeconds` and answers
 *   it. Concurrent misses of one key in this process share one `load`. When the cache fails (down,
 *   timed out, not connected yet) it answers from `load` and counts a fallback: the cache can
 *   only make a read faster, never fail it. `undefined` results (not found) are not cached.
 * - `getVersioned` / `setIfNewer`: values with a version (a number that only grows); a write never
 *   replaces a newer version (one Lua call), so a slow reader's fill cannot undo a write-through.
 * - `takeToken(key, bucket)`: one token of a token bucket shared by every task (one Lua call);
 *   `unavailable` when the cache cannot answer (the caller decides: ADR 26 fails open).
 *
 * Failures never throw to the caller; they are counted (CacheFallbacks, CacheWriteErrors,
 * contracts/metrics.ts) and logged once per outage. Short timeouts, no offline queue and no
 * per-command retries keep a dead cache from holding a request: a command fails at once when
 * the connection is down, and after `commandTimeoutMs` when the server hangs. The client keeps
 * reconnecting in the background (backoff up to 2 s).
 */
import Valkey from 'iovalkey';
import type { FastifyBaseLogger } from 'fastify';
import { CacheMetrics, parseJson } from './cache';
import type { Cache, CacheMetricsOptions, Counter, TokenBucket, TokenResult } from './cache';
export { disabledCache } from './cache';
export type { Cache, TokenBucket } from './cache';
import { iamAuthToken, TOKEN_LIFETIME_SECONDS } from './iam-token';
import type { IamTokenOptions } from './iam-token';
import { SET_IF_NEWER, TAKE_TOKEN } from './scripts';

export interface CacheConnection {
  readonly host: string;
  readonly port: number;
  /** TLS with the server's certificate verified (the cloud); plain TCP locally. */
  readonly tls: boolean;
  /** IAM authentication as this ElastiCache user of this cache (no password anywhere). */
  readonly iam?: Omit<IamTokenOptions, 'signingDate'>;
  /** Connect and per-command timeout. */
  readonly commandTimeoutMs: number;
}

type ScriptClient = Valkey & {
  setIfNewer(key: string, version: string, value: string, ttl: string): Promise<number>;
  takeToken(key: string, capacity: string, perMs: string): Promise<[number, number]>;
};

/** Re-authenticate this long before a token expires. */
const TOKEN_REFRESH_MS = (TOKEN_LIFETIME_SECONDS - 300) * 1000;

export class SharedCache implements Cache {
  readonly enabled = true;
  readonly client: ScriptClient;
  private readonly metrics: CacheMetrics;
  private readonly inflight = new Map<string, Promise<unknown>>();
  private refresh?: NodeJS.Timeout;
  private unreachable = false;
  private closed = false;

  private constructor(
    private readonly connection: CacheConnection,
    private readonly log: FastifyBaseLogger,
    metrics: CacheMetricsOptions | undefined,
  ) {
    this.metrics = new CacheMetrics(metrics);
    const client = new Valkey({
      host: connection.host,
      port: connection.port,
      ...(connection.tls ? { tls: { servername: connection.host } } : {}),
      ...(connection.iam ? { username: connection.iam.userId } : {}),
      lazyConnect: true,
      connectTimeout: Math.max(connection.commandTimeoutMs, 1000),
      commandTimeout: connection.commandTimeoutMs,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      // Keep reconnecting in the background: 100 ms, 200 ms, … at most 2 s apart.
      retryStrategy: (times) => Math.min(times * 100, 2000),
    }) as ScriptClient;
    client.defineCommand('setIfNewer', { numberOfKeys: 1, lua: SET_IF_NEWER });
    client.defineCommand('takeToken', { numberOfKeys: 1, lua: TAKE_TOKEN });
    client.on('error', (error: Error) => this.down(error));
    // A server that goes away closes the socket first; the reconnection's error may come seconds later.
    client.on('close', () => this.down(new Error('connection closed')));
    client.on('ready', () => {
      if (this.unreachable) this.log.info({ cache: this.endpoint }, 'Shared cache reachable again');
      this.unreachable = false;
    });
    this.client = client;
  }

  get connected(): boolean {
    return this.client.status === 'ready';
  }

  private get endpoint(): string {
    return `${this.connection.host}:${this.connection.port}`;
  }

  /**
   * Creates the client and starts connecting; never waits for, nor fails on, the server (a cache
   * that is down only costs fallbacks). With IAM authentication the first token is signed first.
   */
  static async connect(
    connection: CacheConnection,
    log: FastifyBaseLogger,
    metrics?: CacheMetricsOptions,
  ): Promise<SharedCache> {
    const cache = new SharedCache(connection, log, metrics);
    if (connection.iam) {
      await cache.renewToken();
      cache.refresh = setInterval(() => void cache.renewToken(), TOKEN_REFRESH_MS);
      cache.refresh.unref();
    }
    cache.client.connect().catch((error: Error) => cache.down(error));
    return cache;
  }

  /** A fresh IAM token: used by every (re)connection, and re-sent on the open one (before ElastiCache's 12 h limit). */
  private async renewToken(): Promise<void> {
    const iam = this.connection.iam!;
    try {
      const token = await iamAuthToken(iam);
      this.client.options.password = token;
      if (this.client.status === 'ready') await this.client.auth(iam.userId, token);
    } catch (error) {
      this.log.error({ err: error, cache: this.endpoint }, 'Could not renew the shared cache IAM token');
    }
  }

  private down(error: Error): void {
    if (this.closed || this.unreachable) return;
    this.unreachable = true;
    this.log.warn({ cache: this.endpoint, problem: error.message }, 'Shared cache unreachable; reads use their source');
  }

  count(counter: Counter): void {
    this.metrics.add(counter);
  }

  flushMetrics(): void {
    this.metrics.flush();
  }

  async cacheAside<T>(key: string, ttlSeconds: number, load: () => Promise<T>): Promise<T> {
    const pending = this.inflight.get(key);
    if (pending) return pending as Promise<T>;
    const read = this.readThrough(key, ttlSeconds, load).finally(() => this.inflight.delete(key));
    this.inflight.set(key, read);
    return read;
  }

  private async readThrough<T>(key: string, ttlSeconds: number, load: () => Promise<T>): Promise<T> {
    let cached: string | null;
    try {
      cached = await this.client.get(key);
    } catch {
      this.count('cacheFallbacks');
      return load();
    }
    const hit = cached === null ? undefined : parseJson<T>(cached);
    if (hit !== undefined) {
      this.count('cacheHits');
      return hit;
    }
    this.count('cacheMisses');
    const value = await load();
    if (value !== undefined) {
      await this.client.set(key, JSON.stringify(value), 'EX', ttlSeconds).catch(() => this.count('cacheWriteErrors'));
    }
    return value;
  }

  async getVersioned<T>(key: string): Promise<T | undefined> {
    let cached: string | null;
    try {
      cached = await this.client.hget(key, 'd');
    } catch {
      this.count('cacheFallbacks');
      return undefined;
    }
    const hit = cached === null ? undefined : parseJson<T>(cached);
    this.count(hit === undefined ? 'cacheMisses' : 'cacheHits');
    return hit;
  }

  async setIfNewer(
    key: string,
    version: number,
    value: unknown,
    ttlSeconds: number,
  ): Promise<'set' | 'kept' | 'error'> {
    try {
      const written = await this.client.setIfNewer(key, String(version), JSON.stringify(value), String(ttlSeconds));
      return written === 1 ? 'set' : 'kept';
    } catch {
      this.count('cacheWriteErrors');
      return 'error';
    }
  }

  async takeToken(key: string, bucket: TokenBucket): Promise<TokenResult | 'unavailable'> {
    try {
      const perMs = bucket.perMinute / 60_000;
      const [allowed, waitMs] = await this.client.takeToken(key, String(bucket.capacity), String(perMs));
      return allowed === 1
        ? { allowed: true }
        : { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
    } catch {
      return 'unavailable';
    }
  }

  async remove(key: string): Promise<boolean> {
    try {
      await this.client.del(key);
      return true;
    } catch {
      this.count('cacheWriteErrors');
      return false;
    }
  }

  async increment(key: string): Promise<number | undefined> {
    try {
      return await this.client.incr(key);
    } catch {
      this.count('cacheWriteErrors');
      return undefined;
    }
  }

  async readCounter(key: string): Promise<number | undefined> {
    try {
      return Number((await this.client.get(key)) ?? 0);
    } catch {
      return undefined;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.refresh) clearInterval(this.refresh);
    this.metrics.stop();
    await this.client.quit().catch(() => this.client.disconnect());
  }
}
