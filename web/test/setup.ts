import '@testing-library/jest-dom/vitest';
import { cleanup } from '@testing-library/react';
import { afterEach, beforeEach, vi } from 'vitest';
import { installBeaconSink } from './beacons';

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
