/** Draining on close or on SIGTERM/SIGINT, and the stdout log destination that is flushed then. */
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import pino from 'pino';
import type { Database } from '../db';
import type { LogDestination } from '../logging';
import type { Workers } from './workers';

export interface LogOutput {
  readonly stream: LogDestination;
  /** Writes what is buffered (before exiting). */
  readonly flush: () => void;
}

/**
 * stdout, written asynchronously (concurrent lines coalesce into one write): a synchronous write
 * per line costs a syscall per line on the request path. Flushed when draining. A given stream is
 * used as is.
 */
export function logOutput(given: LogDestination | undefined): LogOutput {
  if (given) return { stream: given, flush: () => undefined };
  const stdout = pino.destination({ dest: 1, sync: false });
  const flush = () => {
    try {
      stdout.flushSync();
    } catch {
      // not open yet: nothing buffered
    }
  };
  return { stream: stdout, flush };
}

export interface Drainable {
  /** The shared cache's client (closed last: the status consumer writes through until it stops). */
  readonly cache?: { close(): Promise<void> };
  readonly app: FastifyInstance;
  readonly db: Database;
  readonly workers: Workers;
  readonly logs: LogOutput;
}

/**
 * Drains once (later calls get the same promise): stops accepting, finishes in-flight requests,
 * stops the workers, closes the pools. `onDraining` is called first (readiness turns false).
 */
export function drainer({ app, db, workers, logs, cache }: Drainable, onDraining: () => void): () => Promise<void> {
  const log = app.log;
  let closing: Promise<void> | undefined;
  return () =>
    (closing ??= (async () => {
      onDraining();
      log.info('Draining: no new connections, finishing in-flight requests');
      // Keep-alive connections that finish a request while closing are closed as soon as they
      // are idle (otherwise app.close() waits for their keep-alive timeout).
      const idleSweep = setInterval(() => app.server.closeIdleConnections(), 50);
      try {
        await Promise.all([app.close(), workers.relay.stop(), workers.pruner.stop(), workers.consumer.stop()]);
      } finally {
        clearInterval(idleSweep);
      }
      await db.close();
      await cache?.close();
      log.info('Drained');
      logs.flush();
    })());
}

/** On SIGTERM or SIGINT: drain and exit 0, or exit 1 when draining fails or takes longer than `timeoutMs`. */
export function exitOnSignals(close: () => Promise<void>, log: FastifyBaseLogger, logs: LogOutput, timeoutMs: number) {
  const fail = (message: string, error?: unknown) => {
    log.error(error === undefined ? {} : { err: error }, message);
    logs.flush();
    process.exit(1);
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      log.info({ signal }, 'Shutting down');
      setTimeout(() => fail('Drain timed out; exiting'), timeoutMs).unref();
      close().then(
        () => process.exit(0),
        (error) => fail('Drain failed', error),
      );
    });
  }
}
