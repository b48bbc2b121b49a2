/**
 * What the routes and the status consumer use of the shared cache (the `Cache` interface, the
 * disabled cache without a server) and its counters, sent as EMF once per metrics interval.
 */
import { METRIC_NAMES } from '@securecart/contracts/metrics';
import { emfLine } from '../metrics';
import type { MetricsSink } from '../metrics';

export interface CacheMetricsOptions {
  readonly sink: MetricsSink;
  readonly namespace: string;
  /** Counts are sent once per interval (and at close). */
  readonly intervalMs: number;
}

export interface TokenBucket {
  /** Tokens when full (the burst). */
  readonly capacity: number;
  /** Tokens added per minute. */
  readonly perMinute: number;
}

export type TokenResult = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSeconds: number };

export type Counter =
  'cacheHits' | 'cacheMisses' | 'cacheFallbacks' | 'cacheWriteErrors' | 'rateLimited' | 'rateLimitFailOpen';

/** What the routes and the status consumer use; `disabledCache` is the one without a server. */
export interface Cache {
  readonly enabled: boolean;
  /** Connected and ready for commands now (a command sent otherwise fails at once). */
  readonly connected: boolean;
  cacheAside<T>(key: string, ttlSeconds: number, load: () => Promise<T>): Promise<T>;
  getVersioned<T>(key: string): Promise<T | undefined>;
  setIfNewer(key: string, version: number, value: unknown, ttlSeconds: number): Promise<'set' | 'kept' | 'error'>;
  takeToken(key: string, bucket: TokenBucket): Promise<TokenResult | 'unavailable'>;
  /** Deletes a key; false when the cache cannot answer. */
  remove(key: string): Promise<boolean>;
  /** Adds one to an integer (a version counter); undefined when the cache cannot answer. */
  increment(key: string): Promise<number | undefined>;
  /** Reads an integer (a version counter); 0 when unset, undefined when the cache cannot answer. */
  readCounter(key: string): Promise<number | undefined>;
  count(counter: Counter): void;
  flushMetrics(): void;
  close(): Promise<void>;
}

export class CacheMetrics {
  private readonly counts = new Map<Counter, number>();
  private readonly timer?: NodeJS.Timeout;

  constructor(private readonly options: CacheMetricsOptions | undefined) {
    if (options) {
      this.timer = setInterval(() => this.flush(), options.intervalMs);
      this.timer.unref();
    }
  }

  add(counter: Counter): void {
    this.counts.set(counter, (this.counts.get(counter) ?? 0) + 1);
  }

  flush(): void {
    if (!this.options || this.counts.size === 0) return;
    const metrics = [...this.counts].map(([counter, value]) => ({
      name: METRIC_NAMES[counter],
      unit: 'Count' as const,
      value,
    }));
    this.counts.clear();
    this.options.sink(emfLine(this.options.namespace, metrics));
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.flush();
  }
}

/** No shared cache configured: every read goes to its source, no shared rate limit. */
export function disabledCache(): Cache {
  return {
    enabled: false,
    connected: false,
    cacheAside: (_key, _ttl, load) => load(),
    getVersioned: async () => undefined,
    setIfNewer: async () => 'kept',
    takeToken: async () => ({ allowed: true }),
    remove: async () => true,
    increment: async () => undefined,
    readCounter: async () => 0,
    count: () => undefined,
    flushMetrics: () => undefined,
    close: async () => undefined,
  };
}

/** A cached JSON value; undefined (a miss: the source answers) for anything unreadable. */
export function parseJson<T>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}
