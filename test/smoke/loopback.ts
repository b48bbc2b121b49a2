import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An HTTP server on 127.0.0.1 at a free port, as every local server of both runners is (the smoke
 * suite's token issuer; the browser journey's managed login, issuer host and CloudFront stand-in).
 * stop() ends it at once: idle keep-alive connections are closed, not waited for.
 */
export class LoopbackServer {
  private server?: http.Server;

  constructor(private readonly handler: http.RequestListener) {}

  /** Resolves with the origin, `http://127.0.0.1:<port>`. */
  async start(): Promise<string> {
    const server = http.createServer(this.handler);
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /** Safe to call more than once, or before start(). */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}
