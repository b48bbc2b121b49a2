/**
 * Test harness: a real PostgreSQL (PGlite served over the wire protocol by pglite-socket), a local
 * OIDC issuer (an RSA key, its JWKS served over HTTP, tokens minted like Cognito access tokens),
 * the service bundle (dist/server.js, built by globalSetup) started in-process, and its AWS clients
 * mocked with aws-sdk-client-mock.
 */
import { createSign, generateKeyPairSync, randomUUID } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { mockClient } from 'aws-sdk-client-mock';
import pg from 'pg';
import type { CheckoutHandle, StartOptions } from '../../src/main';
import ORDER_REQUEST from '../fixtures/order-request.json';

export type Bundle = typeof import('../../src/main');

export const BUNDLE_PATH = join(__dirname, '..', '..', 'dist', 'server.js');

/** The bundle the container runs (fresh per test file: jest isolates module registries). */
export function loadBundle(): Bundle {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(BUNDLE_PATH) as Bundle;
}

// --- PostgreSQL ---------------------------------------------------------------------------------

export interface TestDatabase {
  readonly url: string;
  readonly pool: pg.Pool;
  count(table: 'orders' | 'outbox' | 'order_status_history'): Promise<number>;
  stop(): Promise<void>;
}

function broker(method: string, path: string): Promise<{ id: string; url: string }> {
  const base = process.env.CHECKOUT_TEST_DB_BROKER;
  if (!base)
    throw new Error('CHECKOUT_TEST_DB_BROKER is not set: run these tests through jest (globalSetup starts it)');
  return new Promise((resolve, reject) => {
    // A new connection per request (agent: false): Node's global agent keeps sockets alive, and jest
    // shares it between the test files of a worker, so a file's first request could reuse the
    // socket of the previous file's last one just as the broker closed it for idleness: `socket hang
    // up` (ECONNRESET) on a loaded machine. The broker closes every connection after its answer too.
    const req = http.request(new URL(path, base), { method, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
        if ((res.statusCode ?? 500) >= 300)
          reject(new Error(`database broker: ${res.statusCode} ${body.message ?? ''}`));
        else resolve(body);
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** A new, empty PostgreSQL database (a PGlite clone in jest's parent process). */
export async function startDatabase(): Promise<TestDatabase> {
  const { id, url } = await broker('POST', '/databases');
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  // An idle connection the server (or PGlite's socket, on a slow machine) drops is replaced on the
  // next query; without a listener, pg.Pool re-emits its error and the whole test file dies with
  // `read ECONNRESET`. A query's own error still rejects that query.
  pool.on('error', () => undefined);
  return {
    url,
    pool,
    async count(table) {
      const { rows } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
      return Number(rows[0].n);
    },
    async stop() {
      await pool.end();
      await broker('DELETE', `/databases/${id}`);
    },
  };
}

// --- identity -------------------------------------------------------------------------------------

export const CLIENT_ID = 'storefront-client';

export interface TokenClaims {
  sub?: string;
  client_id?: string;
  token_use?: string;
  iss?: string;
  exp?: number;
  iat?: number;
  [claim: string]: unknown;
}

export class TestIssuer {
  readonly kid = `test-${randomUUID().slice(0, 8)}`;
  private readonly privateKey: KeyObject;
  readonly jwks: { keys: Record<string, unknown>[] };
  private server?: http.Server;
  issuer = '';
  jwksUri = '';
  jwksRequests = 0;

  constructor() {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.privateKey = privateKey;
    this.jwks = { keys: [{ ...publicKey.export({ format: 'jwk' }), kid: this.kid, alg: 'RS256', use: 'sig' }] };
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      if (req.url?.endsWith('/.well-known/jwks.json')) {
        this.jwksRequests++;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(this.jwks));
      } else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.issuer = `http://127.0.0.1:${port}/test-pool`;
    this.jwksUri = `${this.issuer}/.well-known/jwks.json`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }

  /** A Cognito-style access token; claims override the defaults (undefined removes one). */
  token(claims: TokenClaims = {}, options: { key?: KeyObject; kid?: string } = {}): string {
    const now = Math.floor(Date.now() / 1000);
    const payload: Record<string, unknown> = {
      sub: 'customer-1',
      client_id: CLIENT_ID,
      token_use: 'access',
      scope: 'openid',
      iss: this.issuer,
      iat: now,
      exp: now + 3600,
      ...claims,
    };
    for (const key of Object.keys(payload)) if (payload[key] === undefined) delete payload[key];
    return signJwt(payload, options.key ?? this.privateKey, options.kid ?? this.kid);
  }
}

export function signJwt(payload: Record<string, unknown>, key: KeyObject, kid: string): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${encode({ alg: 'RS256', typ: 'JWT', kid })}.${encode(payload)}`;
  const signature = createSign('RSA-SHA256').update(input).sign(key).toString('base64url');
  return `${input}.${signature}`;
}

// --- the service ----------------------------------------------------------------------------------

export const ORDERS_QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/000000000000/securecart-test-orders.fifo';
export const STATUS_QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/000000000000/securecart-test-order-status';

export function serviceEnv(database: TestDatabase, issuer: TestIssuer, extra: Record<string, string> = {}) {
  return {
    DATABASE_URL: database.url,
    CATALOG_TABLE_NAME: 'securecart-test-catalog',
    CARTS_TABLE_NAME: 'securecart-test-carts',
    ORDERS_QUEUE_URL,
    ORDER_STATUS_QUEUE_URL: STATUS_QUEUE_URL,
    AUTH_ISSUER: issuer.issuer,
    AUTH_JWKS_URI: issuer.jwksUri,
    AUTH_CLIENT_ID: CLIENT_ID,
    LOG_LEVEL: 'info',
    DB_PREPARED_STATEMENTS: 'false',
    // Background loops off: tests drive relay passes and consumer polls explicitly.
    OUTBOX_RELAY_ENABLED: 'false',
    STATUS_CONSUMER_ENABLED: 'false',
    ...extra,
  };
}

/** Collects the service's log lines (JSON) in memory. */
export class LogCapture {
  readonly lines: string[] = [];
  write(line: string) {
    this.lines.push(line);
  }
  get entries(): Record<string, unknown>[] {
    return this.lines.map((l) => JSON.parse(l));
  }
  text(): string {
    return this.lines.join('');
  }
}

export interface TestService {
  readonly bundle: Bundle;
  readonly handle: CheckoutHandle;
  readonly logs: LogCapture;
  readonly metrics: string[];
  readonly sqs: ReturnType<typeof mockClient>;
  readonly ddb: ReturnType<typeof mockClient>;
  readonly client: HttpClient;
  close(): Promise<void>;
}

let mocks: { sqs: ReturnType<typeof mockClient>; ddb: ReturnType<typeof mockClient> } | undefined;

export async function startService(
  database: TestDatabase,
  issuer: TestIssuer,
  extraEnv: Record<string, string> = {},
  options: Partial<StartOptions> = {},
): Promise<TestService> {
  const bundle = loadBundle();
  // One set of mocks per bundle instance (i.e. per test file), shared by the services it starts.
  const { sqs, ddb } = (mocks ??= {
    sqs: mockClient(bundle.aws.SQSClient),
    ddb: mockClient(bundle.aws.DynamoDBDocumentClient),
  });
  const logs = new LogCapture();
  const metrics: string[] = [];
  const handle = await bundle.startCheckout({
    port: 0,
    host: '127.0.0.1',
    env: serviceEnv(database, issuer, extraEnv),
    logStream: logs,
    metricsSink: (line) => metrics.push(line),
    ...options,
  });
  const client = new HttpClient(handle.url);
  return {
    bundle,
    handle,
    logs,
    metrics,
    sqs,
    ddb,
    client,
    async close() {
      client.close();
      await handle.close();
    },
  };
}

export interface ServiceFixture {
  readonly database: TestDatabase;
  readonly issuer: TestIssuer;
  readonly service: TestService;
}

/**
 * The usual per-file setup: a database and an issuer (beforeAll), then the service on them;
 * `started` hands them to the file. afterAll stops the service, then the database and issuer.
 */
/** SQS's message body characters (its documentation): the local AWS endpoint refuses the rest too. */
export const SQS_BODY_CHARACTERS = /^[\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;

/**
 * SendMessageBatch as SQS answers it: an entry whose body holds a character SQS refuses fails
 * alone (InvalidMessageContents, a sender fault), the others are taken. Returns the deduplication
 * ids (the order ids) taken and refused, as they happen.
 */
export function sqsTakingWhatSqsTakes(service: TestService): { sent: string[]; refused: string[] } {
  const seen = { sent: [] as string[], refused: [] as string[] };
  type Entry = { Id: string; MessageBody: string; MessageDeduplicationId: string };
  service.sqs.on(service.bundle.aws.SendMessageBatchCommand).callsFake((input: { Entries: Entry[] }) => {
    const ok = input.Entries.filter((e) => SQS_BODY_CHARACTERS.test(e.MessageBody));
    const refused = input.Entries.filter((e) => !ok.includes(e));
    seen.sent.push(...ok.map((e) => e.MessageDeduplicationId));
    seen.refused.push(...refused.map((e) => e.MessageDeduplicationId));
    return {
      Successful: ok.map((e) => ({ Id: e.Id, MessageId: `m-${e.Id}`, MD5OfMessageBody: 'x' })),
      Failed: refused.map((e) => ({
        Id: e.Id,
        Code: 'InvalidMessageContents',
        SenderFault: true,
        Message: 'Invalid characters found.',
      })),
    };
  });
  return seen;
}

export function useService(
  extraEnv: Record<string, string>,
  started: (fixture: ServiceFixture) => void,
  options: Partial<StartOptions> = {},
): void {
  let fixture: Partial<ServiceFixture> = {};
  beforeAll(async () => {
    const [database, issuer] = await Promise.all([startDatabase(), new TestIssuer().start()]);
    fixture = { database, issuer };
    const service = await startService(database, issuer, extraEnv, options);
    fixture = { database, issuer, service };
    started({ database, issuer, service });
  });
  afterAll(async () => {
    await fixture.service?.close();
    await Promise.all([fixture.database?.stop(), fixture.issuer?.stop()]);
  });
}

// --- HTTP -------------------------------------------------------------------------------------------

export interface HttpResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly body: any;
}

/** A small HTTP client that tolerates a server answering before it has read the whole body (413). */
export class HttpClient {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  constructor(readonly baseUrl: string) {}

  request(
    method: string,
    path: string,
    options: { headers?: Record<string, string>; body?: string | Buffer; json?: unknown; token?: string } = {},
  ): Promise<HttpResponse> {
    const headers: Record<string, string> = { ...options.headers };
    let body = options.body;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] ??= 'application/json';
    }
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    return new Promise((resolve, reject) => {
      let answered = false;
      const req = http.request(new URL(path, this.baseUrl), { method, headers, agent: this.agent }, (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            parsed = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body: parsed });
        });
        res.on('error', reject);
      });
      req.on('error', (error) => {
        if (!answered) reject(error);
      });
      req.end(body);
    });
  }

  get(path: string, token?: string) {
    return this.request('GET', path, { token });
  }

  close() {
    this.agent.destroy();
  }
}

// --- fixtures -----------------------------------------------------------------------------------------

/** A valid POST /api/orders body (the fixture the benchmark sends too), a fresh copy each call. */
export const orderBody = (overrides: Record<string, unknown> = {}) => ({
  ...(structuredClone(ORDER_REQUEST) as typeof ORDER_REQUEST),
  ...overrides,
});

let keyCounter = 0;
export const newKey = () => `key-${randomUUID()}-${++keyCounter}`;

export function postOrder(client: HttpClient, token: string, body: unknown = orderBody(), key: string = newKey()) {
  return client.request('POST', '/api/orders', { token, json: body, headers: { 'idempotency-key': key } });
}
