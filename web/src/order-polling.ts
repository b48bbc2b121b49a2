/** Following an order's status: GET /api/orders/{id} now and then every few seconds until it is terminal. */
import { useEffect, useState } from 'react';
import { ApiError } from './api';
import { useApi } from './app-context';
import { isTerminalStatus } from './contracts';
import type { OrderView } from './contracts';

/** How often the status is asked for while the order is moving; slower after failures. */
export const POLL_INTERVAL_MS = 2_000;
export const MAX_POLL_INTERVAL_MS = 15_000;

/** Answers that will not change by asking again. */
const isFinalError = (e: unknown) => e instanceof ApiError && [400, 401, 403, 404].includes(e.status);

interface Polled {
  readonly order: OrderView | null;
  readonly error: unknown;
  readonly polling: boolean;
}

/** GET /api/orders/{id} now and then every few seconds, until the status is terminal. */
export function useOrderPolling(orderId: string): [Polled, () => void] {
  const api = useApi();
  const [state, setState] = useState<Polled>({ order: null, error: null, polling: true });
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let delay = POLL_INTERVAL_MS;
    setState((s) => ({ ...s, error: null, polling: true }));

    const poll = async () => {
      try {
        const order = await api.getOrder(orderId, controller.signal);
        if (controller.signal.aborted) return;
        const terminal = isTerminalStatus(order.status);
        setState({ order, error: null, polling: !terminal });
        if (terminal) return;
        delay = POLL_INTERVAL_MS;
      } catch (error) {
        if (controller.signal.aborted) return;
        const final = isFinalError(error);
        setState((s) => ({ ...s, error, polling: !final }));
        if (final) return;
        delay = Math.min(delay * 2, MAX_POLL_INTERVAL_MS);
      }
      timer = setTimeout(() => void poll(), delay);
    };
    void poll();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [api, orderId, generation]);

  return [state, () => setGeneration((g) => g + 1)];
}
