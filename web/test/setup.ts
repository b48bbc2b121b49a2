import '@testing-library/jest-dom/vitest';
import { cleanup, configure } from '@testing-library/react';
import { afterEach, beforeEach, vi } from 'vitest';
import { installBeaconSink } from './beacons';

// findBy*/waitFor wait up to 10 s, not Testing Library's 1 s: a lazily loaded page (the checkout's
// 249 countries) can take longer than a second to render on a fully loaded CI machine. A passing
// test returns as soon as its element appears, so this costs nothing when the machine is quiet.
configure({ asyncUtilTimeout: 10_000 });

// The clickstream's beacons (src/clickstream.ts) are recorded, never sent (test/beacons.ts).
beforeEach(() => {
  if (typeof window !== 'undefined') installBeaconSink();
});

afterEach(() => {
  vi.useRealTimers();
  if (typeof window === 'undefined') return; // node environment (build.test.ts)
  // What the page's recorder still holds goes now, into this test's beacons, not into the next test's.
  window.dispatchEvent(new Event('pagehide'));
  cleanup();
  window.localStorage.clear();
  window.sessionStorage.clear();
});
