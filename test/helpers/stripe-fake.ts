import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as qs from 'qs';

/*
 * A local HTTP fake of the part of Stripe's API the adapter uses (lambda/shared/stripe-provider.ts),
 * following Stripe's documented behaviour, so the adapter is tested through the real SDK:
 *
 * - Bearer authentication with a secret key (`sk_test_…`), else 401.
 * - Form-encoded bodies with Stripe's bracket notation (`metadata[order_id]=…`, `expand[0]=…`).
 * - Idempotency-Key on POST: the first request's status and body are kept for the key and replayed
 *   for a repeat with the same parameters (`Idempotent-Replayed: true`); the same key with other
 *   parameters or on another endpoint is a 400 `idempotency_error`; a key whose first request is
 *   still running is a 409 `idempotency_key_in_use`. A 5xx answer is not kept (the request may be
 *   retried).
 * - PaymentIntents: create (unconfirmed), confirm, retrieve (with `expand[]=latest_charge`), cancel;
 *   Refunds: create, list by payment_intent. Error objects `{ error: { type, code, message, … } }`:
 *   `card_error`/`card_declined` (402), `invalid_request_error` with `resource_missing`,
 *   `parameter_invalid_integer`, `payment_intent_unexpected_state`, `charge_already_refunded`,
 *   `amount_too_large`.
 *
 * Test cards (Stripe's documented tokens and the contracts' TEST_PAYMENT_TOKENS):
 *   tok_visa, tok_approve          approve
 *   tok_chargeDeclined, tok_decline   decline (card_declined, generic_decline)
 *   tok_timeout                    the charge lands; the answer is never sent (the client times out)
 * Any other token: 400 resource_missing ("No such token").
 */

export const FAKE_SECRET_KEY = 'sk_test_securecartfake';

interface Intent {
  id: string;
  amount: number;
  currency: string;
  status: 'requires_payment_method' | 'requires_confirmation' | 'succeeded' | 'canceled';
  metadata: Record<string, string>;
  latestCharge: string | null;
  lastPaymentError: Record<string, unknown> | null;
  canceledAt: number | null;
  created: number;
}
interface Charge {
  id: string;
  intentId: string;
  amount: number;
  refunded: number;
}
interface Refund {
  id: string;
  amount: number;
  chargeId: string;
  intentId: string;
  created: number;
}
interface Answer {
  readonly status: number;
  readonly body: unknown;
}
type StoredKey =
  | { readonly state: 'running'; readonly fingerprint: string }
  | { readonly state: 'done'; readonly fingerprint: string; readonly answer: Answer };

const APPROVE = new Set(['tok_visa', 'tok_approve']);
const DECLINE = new Set(['tok_chargeDeclined', 'tok_decline']);
const TIMEOUT = 'tok_timeout';
const MAX_AMOUNT = 99_999_999;

class StripeFailure extends Error {
  constructor(
    readonly status: number,
    readonly error: Record<string, unknown>,
  ) {
    super(String(error.message));
  }
}
const invalid = (message: string, extra: Record<string, unknown> = {}) =>
  new StripeFailure(400, { type: 'invalid_request_error', message, ...extra });
const missing = (what: string, id: string, param: string) =>
  new StripeFailure(404, {
    type: 'invalid_request_error',
    code: 'resource_missing',
    param,
    message: `No such ${what}: '${id}'`,
  });

/** Calls seen by the fake, for assertions (method, path, idempotency key, replayed or not). */
export interface FakeCall {
  readonly method: string;
  readonly path: string;
  readonly idempotencyKey?: string;
  readonly replayed: boolean;
  readonly status: number;
}

export interface StripeFakeOptions {
  /**
   * What happens to the answer of a `tok_timeout` charge (which has landed): `hold` keeps the
   * connection open without answering until the client gives up (its time-out); `drop` closes the
   * connection at once (the client sees a connection error, no waiting). Default `hold`.
   */
  readonly lostAnswers?: 'hold' | 'drop';
}

export class StripeFake {
  constructor(private readonly options: StripeFakeOptions = {}) {}

  private server?: Server;
  private readonly intents = new Map<string, Intent>();
  private readonly charges = new Map<string, Charge>();
  private readonly refunds = new Map<string, Refund>();
  private readonly keys = new Map<string, StoredKey>();
  private readonly held = new Set<ServerResponse>();
  private seq = 0;
  /** Statuses to answer the next requests with (before they are processed), e.g. 503. */
  private readonly failures: number[] = [];
  readonly calls: FakeCall[] = [];
  /** Called after a `tok_timeout` charge landed and its answer was lost (tests: make Stripe fail next). */
  onLostAnswer?: () => void;

  /** Starts on 127.0.0.1, port 0; answers the SDK's endpoint options. */
  async start(): Promise<{ protocol: 'http'; host: string; port: number }> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return { protocol: 'http', host: '127.0.0.1', port: (this.server.address() as AddressInfo).port };
  }

  async stop(): Promise<void> {
    for (const res of this.held) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** The next `count` requests fail with `status` (a Stripe `api_error`) before doing anything. */
  failNext(count: number, status = 503): void {
    for (let i = 0; i < count; i += 1) this.failures.push(status);
  }

  /** Charged minus refunded, in cents, over every PaymentIntent of an order (by metadata). */
  netCents(orderId: string): number {
    return this.chargesOf(orderId).reduce((sum, c) => sum + c.amount - c.refunded, 0);
  }

  /** The successful charges of an order. */
  chargesOf(orderId: string): Charge[] {
    const ids = new Set([...this.intents.values()].filter((i) => i.metadata.order_id === orderId).map((i) => i.id));
    return [...this.charges.values()].filter((c) => ids.has(c.intentId));
  }

  /** The PaymentIntents of an order. */
  intentsOf(orderId: string): Intent[] {
    return [...this.intents.values()].filter((i) => i.metadata.order_id === orderId);
  }

  private nextId(prefix: string): string {
    this.seq += 1;
    return `${prefix}_fake${String(this.seq).padStart(6, '0')}`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const key = req.headers['idempotency-key'];
    const idempotencyKey = typeof key === 'string' ? key : undefined;
    const record = (status: number, replayed = false) =>
      this.calls.push({ method, path: url.pathname, idempotencyKey, replayed, status });
    const send = (answer: Answer, replayed = false) => {
      record(answer.status, replayed);
      res.writeHead(answer.status, {
        'content-type': 'application/json',
        'request-id': `req_${this.seq}`,
        ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
        ...(replayed ? { 'idempotent-replayed': 'true' } : {}),
      });
      res.end(JSON.stringify(answer.body));
    };
    const failure = (e: StripeFailure): Answer => ({ status: e.status, body: { error: e.error } });

    if (req.headers.authorization !== `Bearer ${FAKE_SECRET_KEY}`) {
      send({ status: 401, body: { error: { type: 'invalid_request_error', message: 'Invalid API Key provided' } } });
      return;
    }
    const contentType = req.headers['content-type'] ?? '';
    if (method === 'POST' && raw !== '' && !contentType.startsWith('application/x-www-form-urlencoded')) {
      send(failure(invalid('Invalid request: bodies must be application/x-www-form-urlencoded')));
      return;
    }
    const params = qs.parse(method === 'POST' ? raw : url.search.slice(1), { depth: 3, parameterLimit: 100 });
    const injected = this.failures.shift();
    if (injected !== undefined) {
      send({ status: injected, body: { error: { type: 'api_error', message: 'Something went wrong (injected)' } } });
      return;
    }

    // Idempotency (POST only, as Stripe): same key + same endpoint + same parameters → same answer.
    const fingerprint = createHash('sha256').update(`${method} ${url.pathname} ${raw}`).digest('hex');
    if (method === 'POST' && idempotencyKey !== undefined) {
      if (idempotencyKey.length > 255) {
        send(failure(invalid('Idempotency-Key must be at most 255 characters')));
        return;
      }
      const stored = this.keys.get(idempotencyKey);
      if (stored && stored.fingerprint !== fingerprint) {
        send(
          failure(
            new StripeFailure(400, {
              type: 'idempotency_error',
              message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`,
            }),
          ),
        );
        return;
      }
      if (stored?.state === 'running') {
        send(
          failure(
            new StripeFailure(409, {
              type: 'invalid_request_error',
              code: 'idempotency_key_in_use',
              message: 'There is currently another in-progress request using this Idempotency-Key.',
            }),
          ),
        );
        return;
      }
      if (stored?.state === 'done') {
        send(stored.answer, true);
        return;
      }
      this.keys.set(idempotencyKey, { state: 'running', fingerprint });
    }

    let answer: Answer;
    let hold = false;
    try {
      const result = this.route(method, url.pathname, params);
      answer = { status: 200, body: result.body };
      hold = result.hold ?? false;
    } catch (e) {
      if (!(e instanceof StripeFailure)) throw e;
      answer = failure(e);
    }
    if (method === 'POST' && idempotencyKey !== undefined) {
      if (answer.status >= 500) this.keys.delete(idempotencyKey);
      else this.keys.set(idempotencyKey, { state: 'done', fingerprint, answer });
    }
    if (hold) {
      // The work is done and kept for the key; the answer is lost on the way (never sent).
      record(0);
      this.onLostAnswer?.();
      if (this.options.lostAnswers === 'drop') {
        req.socket.destroy();
        return;
      }
      this.held.add(res);
      res.on('close', () => this.held.delete(res));
      return;
    }
    send(answer);
  }

  private route(method: string, path: string, params: qs.ParsedQs): { body: unknown; hold?: boolean } {
    const parts = path.split('/').filter(Boolean); // ['v1', 'payment_intents', id?, action?]
    if (parts[0] !== 'v1') throw missing('endpoint', path, 'path');
    if (parts[1] === 'payment_intents') {
      if (method === 'POST' && parts.length === 2) return { body: this.createIntent(params) };
      const intent = this.intents.get(parts[2] ?? '');
      if (!intent) throw missing('payment_intent', parts[2] ?? '', 'intent');
      if (method === 'GET' && parts.length === 3) return { body: this.intentJson(intent, params) };
      if (method === 'POST' && parts[3] === 'confirm') return this.confirm(intent, params);
      if (method === 'POST' && parts[3] === 'cancel') return { body: this.cancel(intent) };
    }
    if (parts[1] === 'refunds' && parts.length === 2) {
      if (method === 'POST') return { body: this.refund(params) };
      if (method === 'GET') {
        const intentId = str(params.payment_intent);
        const data = [...this.refunds.values()].filter((r) => !intentId || r.intentId === intentId).reverse();
        return { body: { object: 'list', url: '/v1/refunds', has_more: false, data: data.map((r) => refundJson(r)) } };
      }
    }
    throw invalid(`Unrecognized request URL (${method}: ${path})`);
  }

  private createIntent(params: qs.ParsedQs): unknown {
    const amount = amountOf(params.amount, 'amount');
    const currency = str(params.currency);
    if (!currency || !/^[a-z]{3}$/.test(currency)) {
      throw invalid(`Invalid currency: ${currency ?? ''}`, { param: 'currency', code: 'parameter_invalid_string' });
    }
    const metadata = params.metadata ?? {};
    if (typeof metadata !== 'object' || Array.isArray(metadata)) throw invalid('Invalid hash', { param: 'metadata' });
    const meta: Record<string, string> = {};
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string' || k.length > 40 || v.length > 500) {
        throw invalid('Metadata keys are at most 40 characters and values strings of at most 500', {
          param: `metadata[${k}]`,
          code: 'parameter_invalid_string',
        });
      }
      meta[k] = v;
    }
    const intent: Intent = {
      id: this.nextId('pi'),
      amount,
      currency,
      status: 'requires_payment_method',
      metadata: meta,
      latestCharge: null,
      lastPaymentError: null,
      canceledAt: null,
      created: 1_800_000_000 + this.seq,
    };
    this.intents.set(intent.id, intent);
    return this.intentJson(intent, {});
  }

  private confirm(intent: Intent, params: qs.ParsedQs): { body: unknown; hold?: boolean } {
    if (intent.status !== 'requires_payment_method' && intent.status !== 'requires_confirmation') {
      throw invalid(`You cannot confirm this PaymentIntent because it has a status of ${intent.status}.`, {
        code: 'payment_intent_unexpected_state',
        payment_intent: this.intentJson(intent, {}),
      });
    }
    const data = params.payment_method_data as qs.ParsedQs | undefined;
    const card = data?.card as qs.ParsedQs | undefined;
    const token = str(card?.token);
    if (str(data?.type) !== 'card' || token === undefined) {
      throw invalid('You must provide a payment method: payment_method_data[type]=card with card[token]', {
        param: 'payment_method_data',
        code: 'parameter_missing',
      });
    }
    if (DECLINE.has(token)) {
      const charge = this.nextId('ch');
      intent.lastPaymentError = { type: 'card_error', code: 'card_declined', decline_code: 'generic_decline' };
      intent.status = 'requires_payment_method';
      throw new StripeFailure(402, {
        type: 'card_error',
        code: 'card_declined',
        decline_code: 'generic_decline',
        message: 'Your card was declined.',
        charge,
        payment_intent: this.intentJson(intent, {}),
      });
    }
    if (!APPROVE.has(token) && token !== TIMEOUT) {
      throw invalid(`No such token: '${token}'`, {
        code: 'resource_missing',
        param: 'payment_method_data[card][token]',
      });
    }
    const charge: Charge = { id: this.nextId('ch'), intentId: intent.id, amount: intent.amount, refunded: 0 };
    this.charges.set(charge.id, charge);
    intent.status = 'succeeded';
    intent.latestCharge = charge.id;
    intent.lastPaymentError = null;
    return { body: this.intentJson(intent, {}), hold: token === TIMEOUT };
  }

  private cancel(intent: Intent): unknown {
    if (intent.status === 'succeeded' || intent.status === 'canceled') {
      throw invalid(`You cannot cancel this PaymentIntent because it has a status of ${intent.status}.`, {
        code: 'payment_intent_unexpected_state',
        payment_intent: this.intentJson(intent, {}),
      });
    }
    intent.status = 'canceled';
    intent.canceledAt = 1_800_000_000 + this.seq;
    return this.intentJson(intent, {});
  }

  private refund(params: qs.ParsedQs): unknown {
    const intentId = str(params.payment_intent);
    const intent = this.intents.get(intentId ?? '');
    if (!intent) throw missing('payment_intent', intentId ?? '', 'payment_intent');
    const charge = intent.latestCharge ? this.charges.get(intent.latestCharge) : undefined;
    if (intent.status !== 'succeeded' || !charge) {
      throw invalid(`This PaymentIntent (${intent.id}) does not have a successful charge to refund.`, {
        code: 'charge_not_refundable',
      });
    }
    const left = charge.amount - charge.refunded;
    if (left === 0) {
      throw invalid(`Charge ${charge.id} has already been refunded.`, { code: 'charge_already_refunded' });
    }
    const amount = params.amount === undefined ? left : amountOf(params.amount, 'amount');
    if (amount > left) {
      throw invalid(`Refund amount (${amount}) is greater than unrefunded amount on charge (${left})`, {
        code: 'amount_too_large',
        param: 'amount',
      });
    }
    charge.refunded += amount;
    const refund: Refund = {
      id: this.nextId('re'),
      amount,
      chargeId: charge.id,
      intentId: intent.id,
      created: 1_800_000_000 + this.seq,
    };
    this.refunds.set(refund.id, refund);
    return refundJson(refund);
  }

  private intentJson(intent: Intent, params: qs.ParsedQs): unknown {
    const expand = ([] as unknown[]).concat(params.expand ?? []);
    const charge = intent.latestCharge ? this.charges.get(intent.latestCharge) : undefined;
    return {
      id: intent.id,
      object: 'payment_intent',
      amount: intent.amount,
      amount_received: intent.status === 'succeeded' ? intent.amount : 0,
      currency: intent.currency,
      status: intent.status,
      metadata: intent.metadata,
      capture_method: 'automatic',
      allowed_payment_method_types: ['card'],
      canceled_at: intent.canceledAt,
      created: intent.created,
      livemode: false,
      last_payment_error: intent.lastPaymentError,
      latest_charge:
        charge && expand.includes('latest_charge')
          ? {
              id: charge.id,
              object: 'charge',
              amount: charge.amount,
              amount_refunded: charge.refunded,
              refunded: charge.refunded === charge.amount,
              payment_intent: intent.id,
              status: 'succeeded',
            }
          : intent.latestCharge,
    };
  }
}

function refundJson(r: Refund) {
  return {
    id: r.id,
    object: 'refund',
    amount: r.amount,
    charge: r.chargeId,
    payment_intent: r.intentId,
    currency: 'usd',
    status: 'succeeded',
    created: r.created,
  };
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function amountOf(value: unknown, param: string): number {
  const text = str(value);
  if (text === undefined) throw invalid(`Missing required param: ${param}.`, { param, code: 'parameter_missing' });
  if (!/^\d{1,9}$/.test(text) || Number(text) < 1 || Number(text) > MAX_AMOUNT) {
    throw invalid(`Invalid integer: ${text}`, { param, code: 'parameter_invalid_integer' });
  }
  return Number(text);
}
