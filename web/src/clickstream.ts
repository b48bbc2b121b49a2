/**
 * The clickstream recorder (issue 21): events are queued and sent in batches to POST /api/events
 * (HTTP_API.recordEvents: API Gateway puts them into Kinesis) with navigator.sendBeacon, or fetch
 * with keepalive where there is no beacon. A batch is sent when it is full, a few seconds after its
 * first event, and when the page is hidden or left (visibilitychange, pagehide), so a closed tab
 * still delivers it.
 *
 * Privacy (contracts/clickstream.ts): an anonymous session id (random, in sessionStorage, replaced
 * every UTC day), product ids, the time, and the customer id only when signed in. Nothing is
 * queued or sent while clickstream-consent.ts says no (Global Privacy Control, or opted out); an
 * opt-out drops what is queued.
 *
 * This module is loaded on the first event (track.ts) and imports nothing at run time: the
 * contract's rules and the page's functions come in its RecorderEnvironment, so the bundler keeps
 * it out of the first visit's JavaScript without splitting the code they share.
 */
import type { ClickBatch, ClickEvent, ClickEventType } from '@securecart/contracts/clickstream';

export const SESSION_KEY = 'securecart.clickstream.session';
/** A batch is sent at the latest this long after its first event. */
export const FLUSH_DELAY_MS = 3000;

/** The contract's rules (contracts/clickstream.ts, HTTP_API.recordEvents). */
export interface RecorderRules {
  readonly productId: RegExp;
  readonly customerId: RegExp;
  readonly sessionId: RegExp;
  readonly maxProductIdsPerEvent: number;
  readonly maxEventsPerBatch: number;
  /** POST /api/events. */
  readonly path: string;
}

export interface RecorderEnvironment {
  readonly rules: RecorderRules;
  readonly now: () => Date;
  readonly allowed: () => boolean;
  readonly storage: Pick<Storage, 'getItem' | 'setItem'>;
  /** Sends one batch's JSON to `path`. */
  readonly send: (path: string, body: string) => void;
  readonly newSessionId: () => string;
  readonly setTimer: (run: () => void, ms: number) => unknown;
  readonly clearTimer: (timer: unknown) => void;
}

/** A random session id: a UUID, or 18 random bytes in base64url where randomUUID is missing. */
export function randomSessionId(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(18));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

/** The beacon, or fetch with keepalive when the browser has none or refuses to queue it. */
export function sendBatch(path: string, body: string): void {
  const queued = navigator.sendBeacon?.(path, new Blob([body], { type: 'application/json' })) ?? false;
  if (queued) return;
  fetch(path, {
    method: 'POST',
    body,
    keepalive: true,
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json' },
  }).catch(() => undefined);
}

export class ClickstreamRecorder {
  #queue: ClickEvent[] = [];
  #timer: unknown;
  #session?: { id: string; day: string };

  constructor(private readonly env: RecorderEnvironment) {}

  /** Queues an event (valid product ids only, at most the contract's number); nothing when not allowed. */
  record(type: ClickEventType, productIds: readonly string[], customerId?: string): void {
    const { rules } = this.env;
    if (!this.env.allowed()) return this.drop();
    const ids = [...new Set(productIds)].filter((id) => rules.productId.test(id)).slice(0, rules.maxProductIdsPerEvent);
    if (!ids.length) return;
    const event: ClickEvent = { type, productIds: ids, occurredAt: this.env.now().toISOString() };
    if (customerId && rules.customerId.test(customerId)) event.customerId = customerId;
    this.#queue.push(event);
    if (this.#queue.length >= rules.maxEventsPerBatch) this.flush();
    else this.#timer ??= this.env.setTimer(() => this.flush(), FLUSH_DELAY_MS);
  }

  /** Sends what is queued as one batch (nothing when empty, or when recording is no longer allowed). */
  flush(): void {
    if (!this.env.allowed()) return this.drop();
    const events = this.#queue;
    this.drop();
    if (!events.length) return;
    const batch: ClickBatch = { sessionId: this.sessionId(), events };
    this.env.send(this.env.rules.path, JSON.stringify(batch));
  }

  /** Forgets the queue and its timer. */
  drop(): void {
    this.#queue = [];
    if (this.#timer !== undefined) this.env.clearTimer(this.#timer);
    this.#timer = undefined;
  }

  /** This tab's session id for today (UTC): a new one on the first batch of a new day. */
  sessionId(): string {
    const today = this.env.now().toISOString().slice(0, 10); // the UTC day
    let stored: { id?: unknown; day?: unknown } | undefined = this.#session;
    try {
      stored = JSON.parse(this.env.storage.getItem(SESSION_KEY) ?? 'null') ?? stored;
    } catch {
      // Unreadable storage: the one kept in memory, if any.
    }
    if (stored?.day === today && typeof stored.id === 'string' && this.env.rules.sessionId.test(stored.id))
      return stored.id;
    this.#session = { id: this.env.newSessionId(), day: today };
    try {
      this.env.storage.setItem(SESSION_KEY, JSON.stringify(this.#session));
    } catch {
      // Kept in memory only: this page's batches still share it.
    }
    return this.#session.id;
  }

  /** Sends the queue when the page is left (pagehide) or hidden (visibilitychange); returns the function that stops listening. */
  listen(win: EventTarget, doc: EventTarget & Pick<Document, 'visibilityState'>): () => void {
    const onHide = () => this.flush();
    const onVisibility = () => doc.visibilityState === 'hidden' && this.flush();
    win.addEventListener('pagehide', onHide);
    doc.addEventListener('visibilitychange', onVisibility);
    return () => {
      win.removeEventListener('pagehide', onHide);
      doc.removeEventListener('visibilitychange', onVisibility);
    };
  }
}

/** The page's recorder, listening on window and document, created on first use. */
let recorder: ClickstreamRecorder | undefined;
export function pageRecorder(rules: RecorderRules, allowed: () => boolean): ClickstreamRecorder {
  if (!recorder) {
    recorder = new ClickstreamRecorder({
      rules,
      now: () => new Date(),
      allowed,
      storage: sessionStorage,
      send: sendBatch,
      newSessionId: randomSessionId,
      setTimer: (run, ms) => setTimeout(run, ms),
      clearTimer: (timer) => clearTimeout(timer as ReturnType<typeof setTimeout>),
    });
    recorder.listen(window, document);
  }
  return recorder;
}
