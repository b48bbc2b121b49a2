/**
 * Follows one order (GET /api/orders/{id}, polled until its status is terminal): its status, its
 * outcome, the timeline and the details.
 */
import { errorMessage } from '../api';
import type { Address, OrderView } from '../contracts';
import { useState } from 'react';
import { Link, useLocation, useNavigate, useParams } from 'react-router';
import { useCart } from '../cart';
import { ErrorMessage } from '../components/ErrorMessage';
import { Spinner } from '../components/Spinner';
import { StatusBadge, StatusTimeline } from '../components/StatusTimeline';
import { formatPrice, formatDateTime } from '../money';
import { useOrderPolling } from '../order-polling';
import { nextStepText, reasonText, shortOrderNumber } from '../status-text';
import { usePageTitle } from '../hooks';
import { useProductLookup } from '../product-lookup';

export { MAX_POLL_INTERVAL_MS, POLL_INTERVAL_MS } from '../order-polling';

/** Cancelled or failed: the order did not and will not arrive. */
const ended = (order: OrderView) => order.status === 'CANCELLED' || order.status === 'FAILED';

/**
 * What happened to an order that ended without arriving, and what the customer can do: put the
 * same items back in the cart (and go there), or keep shopping.
 */
function Ended({ order }: { order: OrderView }) {
  const cart = useCart();
  const navigate = useNavigate();
  const [refill, setRefill] = useState<'idle' | 'busy' | 'failed'>('idle');
  const putBack = async () => {
    setRefill('busy');
    let ok = true;
    for (const item of order.items) ok = (await cart.add(item.productId, item.quantity)) && ok;
    if (ok) void navigate('/cart');
    else setRefill('failed');
  };
  return (
    <div className="alert alert--error outcome">
      <h2 className="outcome__title">
        {order.status === 'CANCELLED' ? 'Your order was cancelled.' : 'Your order could not be completed.'}
      </h2>
      <p>{reasonText(order.reason) ?? (order.status === 'FAILED' ? 'Our team has been alerted.' : '')}</p>
      <p>{nextStepText(order.reason)}</p>
      <p className="alert__actions">
        <button type="button" className="button" disabled={refill === 'busy'} onClick={() => void putBack()}>
          Put the items back in your cart
        </button>{' '}
        <Link to="/">Keep shopping</Link>
      </p>
      {refill === 'failed' && <p>Not every item could be put back: your cart says why.</p>}
    </div>
  );
}

/** Delivered, or on its way: the good news (thanks first when the customer has just placed it). */
function Confirmation({ order, justPlaced }: { order: OrderView; justPlaced: boolean }) {
  if (order.status === 'FULFILLED') {
    return (
      <div className="alert alert--success">
        <p>{justPlaced && 'Thank you! '}Your order is fulfilled and on its way.</p>
      </div>
    );
  }
  if (!justPlaced) return null;
  return (
    <div className="alert alert--success">
      <p>Thank you! Your order has been received. This page follows it as it is processed.</p>
    </div>
  );
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
  const number = shortOrderNumber(orderId);
  usePageTitle(`Order ${number}`);

  return (
    <section aria-labelledby="order-title" className="order">
      <p>
        <Link to="/orders">← Your orders</Link>
      </p>
      <h1 id="order-title">Order {number}</h1>
      {/* What happened comes first: a cancelled order never shows a thank-you. */}
      {order && (ended(order) ? <Ended order={order} /> : <Confirmation order={order} justPlaced={justPlaced} />)}

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
      {polling && (
        <p className="polling" aria-hidden="true">
          <span className="spinner__icon" /> Updating automatically…
        </p>
      )}
      <h2>Timeline</h2>
      <StatusTimeline history={order.statusHistory} />
      <h2>Details</h2>
      <dl className="details">
        <dt>Order number</dt>
        <dd className="order__id">{order.orderId}</dd>
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
