/**
 * What the pages call to record browsing: `useTrack()` gives `track(type, productIds)`, which adds
 * the signed-in customer's id and hands the event to the recorder (clickstream.ts), loaded on the
 * first event that may be recorded: a visit that records nothing (or may not: Global Privacy
 * Control, opted out) never fetches it.
 */
import { useCallback } from 'react';
import type { ClickEventType } from '@securecart/contracts/clickstream';
import { useAuth } from './app-context';
import {
  CLICK_CUSTOMER_ID_PATTERN,
  CLICK_PRODUCT_ID_PATTERN,
  CLICKSTREAM_LIMITS,
  SESSION_ID_PATTERN,
} from '@securecart/contracts/clickstream';
import { HTTP_API } from '@securecart/contracts/http-api';
import type { RecorderRules } from './clickstream';
import { recordingAllowed } from './clickstream-consent';

/** What the contract allows in a batch (the recorder imports nothing itself). */
export const RECORDER_RULES: RecorderRules = {
  productId: CLICK_PRODUCT_ID_PATTERN,
  customerId: CLICK_CUSTOMER_ID_PATTERN,
  sessionId: SESSION_ID_PATTERN,
  maxProductIdsPerEvent: CLICKSTREAM_LIMITS.maxProductIdsPerEvent,
  maxEventsPerBatch: CLICKSTREAM_LIMITS.maxEventsPerBatch,
  path: HTTP_API.recordEvents.path,
};

export function track(type: ClickEventType, productIds: readonly string[], customerId?: string): void {
  if (!recordingAllowed() || !productIds.length) return;
  import('./clickstream').then(
    (m) => m.pageRecorder(RECORDER_RULES, recordingAllowed).record(type, productIds, customerId),
    () => undefined,
  );
}

export function useTrack(): (type: ClickEventType, productIds: readonly string[]) => void {
  const { state } = useAuth();
  const customerId = state.status === 'signedIn' ? state.user.subject : undefined;
  return useCallback((type, productIds) => track(type, productIds, customerId), [customerId]);
}
