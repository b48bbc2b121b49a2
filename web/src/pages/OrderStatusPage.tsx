/**
 * Follows one order (GET /api/orders/{id}, polled until its status is terminal): its status, its
 * outcome, the timeline and the details.
 */
import { errorMessage } from '../api';
import type { Address, OrderView } from '../contracts';
import { Link, useLocation, useParams } from 'react-router';
import { ErrorMessage } from '../components/ErrorMessage';
import { Spinner } from '../components/Spinner';
import { StatusBadge, StatusTimeline } from '../components/StatusTimeline';
import { formatPrice, formatDateTime } from '../money';
import { useOrderPolling } from '../order-polling';
import { reasonText, statusLabel } from '../status-text';
import { usePageTitle } from '../hooks';
import { useProductLookup } from '../product-lookup';

export { MAX_POLL_INTERVAL_MS, POLL_INTERVAL_MS } from '../order-polling';

/** The order's outcome, once it has one: its terminal status with the reason, in words. */
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

      {order && <OrderProgress order={order} polling={polling} />}
    </section>
  );
}

function OrderProgress({ order, polling }: { order: OrderView; polling: boolean }) {
  return (
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
            <dd>{formatPrice(order.clientTotalCents, order.currency)}</dd>
          </>
        )}
        <dt>Shipping to</dt>
        <dd>
          <ShippingAddress address={order.shippingAddress} />
        </dd>
      </dl>
    </>
  );
}

function ShippingAddress({ address }: { address: Address }) {
  return (
    <address>
      {address.name}
      <br />
      {address.line1}
      {address.line2 && (
        <>
          <br />
          {address.line2}
        </>
      )}
      <br />
      {address.postalCode} {address.city}, {address.country}
    </address>
  );
}
