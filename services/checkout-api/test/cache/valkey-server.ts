/**
 * A throw-away Valkey-compatible server (redis-server from Debian's packages, or valkey-server)
 * on a free port of 127.0.0.1, without persistence. CHECKOUT_TEST_VALKEY_BIN names the binary
 * (scripts/test-cache.sh sets it). `kill` stops it at once (an outage); `pause`/`resume` freeze
 * it (SIGSTOP/SIGCONT: a server that accepts nothing and answers nothing).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createConnection, createServer } from 'node:net';

export interface ValkeyServer {
  readonly port: number;
  /** The service's environment for this server (plain TCP, no AUTH). */
  readonly env: Record<string, string>;
  kill(): Promise<void>;
  pause(): void;
  resume(): void;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('error', () => resolve(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
  });
}

export async function startValkey(): Promise<ValkeyServer> {
  const bin = process.env.CHECKOUT_TEST_VALKEY_BIN;
  if (!bin) throw new Error('CHECKOUT_TEST_VALKEY_BIN is not set: run these tests with npm run test:cache');
  const port = await freePort();
  const child: ChildProcess = spawn(
    bin,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'],
    { stdio: 'ignore' },
  );
  let exited = false;
  const gone = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  for (let i = 0; !(await answersPing(port)); i++) {
    if (exited || i > 100) throw new Error(`${bin} did not start on port ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    env: { CACHE_HOST: '127.0.0.1', CACHE_PORT: String(port) },
    async kill() {
      if (!exited) child.kill('SIGKILL');
      await gone;
    },
    pause: () => void child.kill('SIGSTOP'),
    resume: () => void child.kill('SIGCONT'),
  };
}

/** Waits until each service's cache client is connected (a command sent before fails over to the source). */
export async function cacheConnected(...handles: { cache: { connected: boolean } }[]): Promise<void> {
  for (let i = 0; !handles.every((h) => h.cache.connected); i++) {
    if (i > 200) throw new Error('the service did not connect to the cache');
    await new Promise((r) => setTimeout(r, 25));
  }
}
