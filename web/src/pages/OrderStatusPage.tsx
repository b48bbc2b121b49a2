import { useEffect, useState } from 'react';
import { Link, useLocation, useParams } from 'react-router';
import { ApiError, errorMessage } from '../api';
import type { OrderView } from '../api';
import { useApi } from '../app-context';
import { ErrorMessage } from '../components/ErrorMessage';
import { Spinner } from '../components/Spinner';
import { StatusBadge, StatusTimeline } from '../components/StatusTimeline';
import { isTerminalStatus } from '../contracts';
import { formatCents, formatDateTime } from '../money';
import { reasonText, statusLabel } from '../status-text';
import { usePageTitle } from '../hooks';
import { useProductLookup } from '../product-lookup';

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
function useOrderPolling(orderId: string): [Polled, () => void] {
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

function Outcome({ order }: { order: OrderView }) {
  if (order.status === 'FULFILLED') {
    return (
      <div className="alert alert--success">
        <p>Your order is fulfilled and on its way.</p>
      </div>
    );
  }
  if (order.status === 'CANCELLED' || order.status === 'FAILED') {
    return (
      <div className="alert alert--error">
        <p>
          <strong>
            {order.status === 'CANCELLED' ? 'Your order was cancelled.' : 'Your order could not be completed.'}
          </strong>{' '}
          {reasonText(order.reason) ?? (order.status === 'FAILED' ? 'Our team has been alerted.' : '')}
        </p>
      </div>
    );
  }
  return null;
}

/**
 * The ordered items with their catalog names (the id when the catalog has none). No price: the
 * catalog's is today's, not the one charged; the order's total is shown below.
 */
function OrderItems({ items }: { items: OrderView['items'] }) {
  const products = useProductLookup(items.map((i) => i.productId));
  return (
    <ul className="plain-list" aria-label="Ordered items">
      {items.map((item) => {
        const product = products.get(item.productId);
        return (
          <li key={item.productId}>
            {item.quantity} ×{' '}
            <Link to={`/products/${encodeURIComponent(item.productId)}`}>{product?.name ?? item.productId}</Link>
          </li>
        );
      })}
    </ul>
  );
}

export default function OrderStatusPage() {
  const { orderId = '' } = useParams();
  const location = useLocation();
  const justPlaced = (location.state as { placed?: boolean } | null)?.placed === true;
  const [{ order, error, polling }, retry] = useOrderPolling(orderId);
  usePageTitle(order ? `Order ${statusLabel(order.status)}` : 'Order');

  return (
    <section aria-labelledby="order-title" className="order">
      <p>
        <Link to="/orders">← Your orders</Link>
      </p>
      <h1 id="order-title">
        Order <span className="order__id">{orderId}</span>
      </h1>
      {justPlaced && (
        <div className="alert alert--success">
          <p>Thank you! Your order has been received. This page follows it as it is processed.</p>
        </div>
      )}

      {/* Announced whenever the status changes, and only then. */}
      <p role="status" className="order__status">
        {order ? (
          <>
            Status: <StatusBadge status={order.status} />
          </>
        ) : (
          ''
        )}
      </p>

      {!order && !error && <Spinner label="Loading your order…" />}
      {error != null && (
        <ErrorMessage
          title={order ? 'We could not refresh the status.' : 'We could not load this order.'}
          error={polling ? `${errorMessage(error)} Trying again automatically…` : error}
          onRetry={polling ? undefined : retry}
        />
      )}

      {order && (
        <>
          <Outcome order={order} />
          {polling && (
            <p className="polling" aria-hidden="true">
              <span className="spinner__icon" /> Updating automatically…
            </p>
          )}
          <h2>Timeline</h2>
          <StatusTimeline history={order.statusHistory} />
          <h2>Details</h2>
          <dl className="details">
            <dt>Placed</dt>
            <dd>{formatDateTime(order.createdAt)}</dd>
            <dt>Items</dt>
            <dd>
              <OrderItems items={order.items} />
            </dd>
            {order.clientTotalCents !== undefined && (
              <>
                <dt>Total shown at checkout</dt>
                <dd>{formatCents(order.clientTotalCents)}</dd>
              </>
            )}
            {order.shippingAddress && (
              <>
                <dt>Shipping to</dt>
                <dd>
                  <address>
                    {order.shippingAddress.name}
                    <br />
                    {order.shippingAddress.line1}
                    {order.shippingAddress.line2 && (
                      <>
                        <br />
                        {order.shippingAddress.line2}
                      </>
                    )}
                    <br />
                    {order.shippingAddress.postalCode} {order.shippingAddress.city}, {order.shippingAddress.country}
                  </address>
                </dd>
              </>
            )}
          </dl>
        </>
      )}
    </section>
  );
}
