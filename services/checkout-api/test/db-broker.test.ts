import http from 'node:http';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { listen } = require('./db-broker') as {
  listen: (
    handle: (req: http.IncomingMessage, reply: (status: number, body: unknown) => void) => Promise<void>,
    close: () => Promise<void>,
  ) => Promise<{ url: string; stop(): Promise<void> }>;
};

/**
 * The database broker (jest's parent process) answers every request on a connection of its own:
 * a kept-alive connection could be reused by a test file's first request just as the broker
 * closed it for idleness, failing the file's beforeAll with `socket hang up` under load.
 */
describe('the database broker', () => {
  let broker: { url: string; stop(): Promise<void> };
  let served = 0;
  beforeAll(async () => {
    broker = await listen(
      async (_req, reply) => {
        served++;
        reply(404, {});
      },
      async () => undefined,
    );
  });
  afterAll(() => broker.stop());

  /** A request through a keep-alive agent, as Node's global agent does. */
  const get = (agent: http.Agent) =>
    new Promise<{ connection?: string; reused: boolean }>((resolve, reject) => {
      const req = http.get(`${broker.url}/databases/1`, { agent }, (res) => {
        res.resume();
        res.on('end', () => resolve({ connection: res.headers.connection, reused: req.reusedSocket }));
      });
      req.on('error', reject);
    });

  test('closes each connection after its answer, so no client reuses one it may be closing', async () => {
    const agent = new http.Agent({ keepAlive: true });
    try {
      const first = await get(agent);
      const second = await get(agent);
      expect([first, second]).toEqual([
        { connection: 'close', reused: false },
        { connection: 'close', reused: false },
      ]);
      expect(served).toBe(2);
    } finally {
      agent.destroy();
    }
  });
});
