/**
 * The clickstream recorder (src/clickstream.ts): batching, sending on pagehide and when the page is
 * hidden, nothing at all under Global Privacy Control or after an opt-out, the anonymous session id
 * and its daily rotation, and what a batch may hold (the contract's ClickBatchSchema).
 */
import { ClickBatchSchema, CLICKSTREAM_LIMITS } from '@securecart/contracts/clickstream';
import type { ClickBatch } from '@securecart/contracts/clickstream';
import { HTTP_API } from '@securecart/contracts/http-api';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ClickstreamRecorder, FLUSH_DELAY_MS, SESSION_KEY, sendBatch } from '../src/clickstream';
import type { RecorderEnvironment } from '../src/clickstream';
import { OPT_OUT_KEY, recordingAllowed, setOptedOut } from '../src/clickstream-consent';
import { RECORDER_RULES, track } from '../src/track';
import { sentBeacons } from './beacons';

/** A recorder on a fake clock, a fake timer, a fake tab's sessionStorage and a list of sent batches. */
function recorder(options: { allowed?: () => boolean; start?: string } = {}) {
  let now = new Date(options.start ?? '2026-12-07T10:00:00.000Z');
  const timers = new Map<number, () => void>();
  let timerIds = 0;
  const sent: { path: string; batch: ClickBatch }[] = [];
  let sessions = 0;
  const env: RecorderEnvironment = {
    rules: RECORDER_RULES,
    now: () => now,
    allowed: options.allowed ?? (() => true),
    storage: window.sessionStorage,
    send: (path, body) => {
      const parsed = ClickBatchSchema.safeParse(JSON.parse(body));
      expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
      sent.push({ path, batch: JSON.parse(body) as ClickBatch });
    },
    newSessionId: () => `session-${++sessions}-abcdefghijklmnop`,
    setTimer: (run) => {
      timers.set(++timerIds, run);
      return timerIds;
    },
    clearTimer: (id) => timers.delete(id as number),
  };
  return {
    recorder: new ClickstreamRecorder(env),
    sent,
    timers,
    /** Runs the pending flush timer, as if FLUSH_DELAY_MS had passed. */
    fireTimers: () => {
      const pending = [...timers.values()];
      timers.clear();
      pending.forEach((run) => run());
    },
    advanceTo: (iso: string) => (now = new Date(iso)),
  };
}

const eventTypes = (batch: ClickBatch) => batch.events.map((e) => `${e.type}:${e.productIds.join('+')}`);

afterEach(() => {
  Reflect.deleteProperty(navigator, 'globalPrivacyControl');
});

describe('batching', () => {
  it('queues events and sends them as one batch to POST /api/events when the delay passes', () => {
    const r = recorder();
    r.recorder.record('product_viewed', ['SKU-1']);
    r.recorder.record('product_viewed', ['SKU-2']);
    r.recorder.record('added_to_cart', ['SKU-2']);
    expect(r.sent).toEqual([]);
    expect(r.timers.size).toBe(1); // one timer per batch, not per event
    r.fireTimers();
    expect(r.sent).toHaveLength(1);
    expect(r.sent[0].path).toBe(HTTP_API.recordEvents.path);
    expect(eventTypes(r.sent[0].batch)).toEqual([
      'product_viewed:SKU-1',
      'product_viewed:SKU-2',
      'added_to_cart:SKU-2',
    ]);
    expect(r.sent[0].batch.events[0].occurredAt).toBe('2026-12-07T10:00:00.000Z');
    r.fireTimers();
    expect(r.sent).toHaveLength(1); // nothing queued: nothing sent
    expect(FLUSH_DELAY_MS).toBeGreaterThan(0);
  });

  it('sends a full batch at once (the contract’s maximum) and starts the next one', () => {
    const r = recorder();
    for (let i = 0; i < CLICKSTREAM_LIMITS.maxEventsPerBatch + 1; i++)
      r.recorder.record('product_viewed', [`SKU-${i}`]);
    expect(r.sent).toHaveLength(1);
    expect(r.sent[0].batch.events).toHaveLength(CLICKSTREAM_LIMITS.maxEventsPerBatch);
    r.fireTimers();
    expect(r.sent.map((s) => s.batch.events.length)).toEqual([CLICKSTREAM_LIMITS.maxEventsPerBatch, 1]);
  });

  it('keeps only product ids the contract accepts, at most its number, and the customer id only when valid', () => {
    const r = recorder();
    const many = Array.from({ length: 12 }, (_, i) => `P-${i}`);
    r.recorder.record('order_placed', ['bad id', 'ok_1', 'ok_1', 'é', ...many], '0a1b2c3d-4e5f');
    r.recorder.record('product_viewed', ['../etc', '']); // nothing valid: no event
    r.recorder.record('added_to_cart', ['SKU-1'], 'not a customer id!');
    r.fireTimers();
    const [order, added] = r.sent[0].batch.events;
    expect(r.sent[0].batch.events).toHaveLength(2);
    expect(order.productIds).toEqual(['ok_1', ...many.slice(0, CLICKSTREAM_LIMITS.maxProductIdsPerEvent - 1)]);
    expect(order.customerId).toBe('0a1b2c3d-4e5f');
    expect(added).not.toHaveProperty('customerId');
  });
});

describe('sending when the page is hidden or left', () => {
  function page() {
    const win = new EventTarget();
    const doc = Object.assign(new EventTarget(), { visibilityState: 'visible' as DocumentVisibilityState });
    return { win, doc };
  }

  it('flushes on pagehide', () => {
    const r = recorder();
    const { win, doc } = page();
    r.recorder.listen(win, doc);
    r.recorder.record('checkout_started', ['SKU-1']);
    win.dispatchEvent(new Event('pagehide'));
    expect(r.sent).toHaveLength(1);
    expect(r.timers.size).toBe(0); // the batch's timer went with it
  });

  it('flushes on visibilitychange to hidden, not to visible; stops when told', () => {
    const r = recorder();
    const { win, doc } = page();
    const stop = r.recorder.listen(win, doc);
    r.recorder.record('product_viewed', ['SKU-1']);
    doc.dispatchEvent(new Event('visibilitychange'));
    expect(r.sent).toHaveLength(0);
    doc.visibilityState = 'hidden';
    doc.dispatchEvent(new Event('visibilitychange'));
    expect(r.sent).toHaveLength(1);
    stop();
    r.recorder.record('product_viewed', ['SKU-2']);
    win.dispatchEvent(new Event('pagehide'));
    expect(r.sent).toHaveLength(1);
  });
});

describe('consent: Global Privacy Control and the opt-out', () => {
  it('recordingAllowed is false under Global Privacy Control or after opting out (remembered), true otherwise', () => {
    expect(recordingAllowed()).toBe(true);
    setOptedOut(true);
    expect(localStorage.getItem(OPT_OUT_KEY)).toBe('1');
    expect(recordingAllowed()).toBe(false);
    setOptedOut(false);
    expect(recordingAllowed()).toBe(true);
    Object.defineProperty(navigator, 'globalPrivacyControl', { configurable: true, value: true });
    expect(recordingAllowed()).toBe(false);
  });

  it('records nothing while not allowed, and drops what was queued when consent goes away', () => {
    let allowed = false;
    const r = recorder({ allowed: () => allowed });
    r.recorder.record('product_viewed', ['SKU-1']);
    r.fireTimers();
    expect(r.sent).toEqual([]);
    allowed = true;
    r.recorder.record('product_viewed', ['SKU-2']);
    allowed = false; // opted out with an event queued
    r.fireTimers();
    r.recorder.flush();
    expect(r.sent).toEqual([]);
    allowed = true;
    r.recorder.flush();
    expect(r.sent).toEqual([]); // the dropped event does not come back
  });

  it('track() sends nothing under Global Privacy Control or after opting out, through the page’s own recorder', async () => {
    Object.defineProperty(navigator, 'globalPrivacyControl', { configurable: true, value: true });
    track('product_viewed', ['SKU-1']);
    Reflect.deleteProperty(navigator, 'globalPrivacyControl');
    setOptedOut(true);
    track('product_viewed', ['SKU-2']);
    setOptedOut(false);
    track('product_viewed', ['SKU-3']);
    // The recorder is loaded on the first allowed event; the page is then left.
    await vi.waitFor(async () => {
      window.dispatchEvent(new Event('pagehide'));
      expect(await sentBeacons()).toHaveLength(1);
    });
    const sent = await sentBeacons();
    const events = sent.flatMap((b) => (JSON.parse(b.body) as ClickBatch).events.flatMap((e) => e.productIds));
    expect(events).toEqual(['SKU-3']);
    expect(sent.map((b) => b.url)).toEqual([HTTP_API.recordEvents.path]);
  });
});

describe('the anonymous session id', () => {
  it('is kept for the tab (sessionStorage) within a UTC day and replaced on the next', () => {
    const r = recorder({ start: '2026-12-07T23:59:59.000Z' });
    r.recorder.record('product_viewed', ['SKU-1']);
    r.recorder.flush();
    r.recorder.record('product_viewed', ['SKU-2']);
    r.recorder.flush();
    const first = r.sent[0].batch.sessionId;
    expect(r.sent[1].batch.sessionId).toBe(first);
    // Another recorder in the same tab (a reload) keeps it.
    const reloaded = recorder({ start: '2026-12-07T23:59:59.500Z' });
    reloaded.recorder.record('product_viewed', ['SKU-3']);
    reloaded.recorder.flush();
    expect(reloaded.sent[0].batch.sessionId).toBe(first);
    // Midnight UTC: a new one.
    r.advanceTo('2026-12-08T00:00:00.000Z');
    r.recorder.record('product_viewed', ['SKU-4']);
    r.recorder.flush();
    expect(r.sent[2].batch.sessionId).not.toBe(first);
    expect(JSON.parse(sessionStorage.getItem(SESSION_KEY)!)).toEqual({
      id: r.sent[2].batch.sessionId,
      day: '2026-12-08',
    });
  });

  it('replaces a stored id the contract would refuse, and lives in memory when storage fails', () => {
    sessionStorage.setItem(SESSION_KEY, JSON.stringify({ id: 'short', day: '2026-12-07' }));
    const r = recorder();
    r.recorder.record('product_viewed', ['SKU-1']);
    r.recorder.flush();
    expect(r.sent[0].batch.sessionId).toMatch(/^session-/);
    vi.spyOn(Storage.prototype, 'getItem').mockImplementation(() => {
      throw new Error('denied');
    });
    vi.spyOn(Storage.prototype, 'setItem').mockImplementation(() => {
      throw new Error('denied');
    });
    const broken = recorder();
    broken.recorder.record('product_viewed', ['SKU-1']);
    broken.recorder.flush();
    broken.recorder.record('product_viewed', ['SKU-2']);
    broken.recorder.flush();
    expect(broken.sent[1].batch.sessionId).toBe(broken.sent[0].batch.sessionId);
  });
});

describe('sendBatch', () => {
  it('uses the beacon, and fetch with keepalive when the browser will not queue one', async () => {
    sendBatch('/api/events', '{"a":1}');
    expect(await sentBeacons()).toEqual([{ url: '/api/events', body: '{"a":1}' }]);

    Object.defineProperty(navigator, 'sendBeacon', { configurable: true, value: () => false });
    const fetchMock = vi.fn(async () => new Response(null, { status: 202 }));
    vi.stubGlobal('fetch', fetchMock);
    try {
      sendBatch('/api/events', '{"b":2}');
      expect(fetchMock).toHaveBeenCalledWith(
        '/api/events',
        expect.objectContaining({ method: 'POST', body: '{"b":2}', keepalive: true, credentials: 'same-origin' }),
      );
    } finally {
      vi.unstubAllGlobals();
    }
  });
});
