import { useCallback, useState } from 'react';
import { Link } from 'react-router';
import { useApi } from '../app-context';
import type { OrderList, OrderView } from '../contracts';
import { ErrorMessage } from '../components/ErrorMessage';
import { Spinner } from '../components/Spinner';
import { StatusBadge } from '../components/StatusTimeline';
import { formatPrice, formatDateTime } from '../money';
import { useAsync, usePageTitle } from '../hooks';

export default function OrderHistoryPage() {
  usePageTitle('Your orders');
  const api = useApi();
  const [first, reload] = useAsync(useCallback((signal: AbortSignal) => api.listOrders(undefined, signal), [api]));

  if (first.status === 'loading') return <Spinner label="Loading your orders…" />;
  if (first.status === 'error') {
    return (
      <section>
        <h1>Your orders</h1>
        <ErrorMessage title="We could not load your orders." error={first.error} onRetry={reload} />
      </section>
    );
  }
  return <OrderHistory first={first.data} />;
}

/** The first page of orders and the older ones loaded after it, page by page (GET /api/orders?cursor=…). */
function useOlderOrders(first: OrderList) {
  const api = useApi();
  const [more, setMore] = useState<{ orders: OrderView[]; cursor?: string | null }>({ orders: [] });
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreError, setMoreError] = useState<unknown>(null);
  const orders = [...first.orders, ...more.orders];
  const cursor = more.cursor === undefined ? first.nextCursor : more.cursor;
  const loadMore = async () => {
    if (!cursor) return;
    setLoadingMore(true);
    setMoreError(null);
    try {
      const page = await api.listOrders(cursor);
      setMore((m) => ({ orders: [...m.orders, ...page.orders], cursor: page.nextCursor ?? null }));
    } catch (e) {
      setMoreError(e);
    } finally {
      setLoadingMore(false);
    }
  };
  return { orders, cursor, loadingMore, moreError, loadMore };
}

function OrderHistory({ first }: { first: OrderList }) {
  const { orders, cursor, loadingMore, moreError, loadMore } = useOlderOrders(first);
  return (
    <section aria-labelledby="orders-title">
      <h1 id="orders-title">Your orders</h1>
      {!orders.length ? (
        <p>
          You have no orders yet. <Link to="/">Browse the catalog</Link>.
        </p>
      ) : (
        <ul className="order-list" aria-labelledby="orders-title">
          {orders.map((order) => (
            <OrderListItem key={order.orderId} order={order} />
          ))}
        </ul>
      )}
      {moreError != null && <ErrorMessage title="We could not load more orders." error={moreError} />}
      {cursor && (
        <p>
          <button
            type="button"
            className="button button--secondary"
            disabled={loadingMore}
            onClick={() => void loadMore()}
          >
            Show older orders
          </button>
        </p>
      )}
      {loadingMore && <Spinner label="Loading older orders…" inline />}
    </section>
  );
}

function OrderListItem({ order }: { order: OrderView }) {
  return (
    <li className="order-list__item">
      <Link to={`/orders/${encodeURIComponent(order.orderId)}`} className="order-list__link">
        Order placed {formatDateTime(order.createdAt)}
      </Link>
      <StatusBadge status={order.status} />
      <span className="order-list__meta">
        {order.items.reduce((n, i) => n + i.quantity, 0)} item(s)
        {order.clientTotalCents !== undefined && ` · ${formatPrice(order.clientTotalCents, order.currency)}`}
      </span>
    </li>
  );
}
