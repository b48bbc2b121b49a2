import { useCallback, useState } from 'react';
import { Link } from 'react-router';
import { useApi } from '../app-context';
import type { OrderList, OrderView, ProductView } from '../contracts';
import { ErrorMessage } from '../components/ErrorMessage';
import { Spinner } from '../components/Spinner';
import { StatusBadge } from '../components/StatusTimeline';
import { formatPrice, formatDateTime } from '../money';
import { useAsync, usePageTitle } from '../hooks';
import { useProductLookup } from '../product-lookup';
import { shortOrderNumber } from '../status-text';

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
  const products = useProductLookup(orders.flatMap((o) => o.items.slice(0, 1).map((i) => i.productId)));
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
            <OrderListItem key={order.orderId} order={order} products={products} />
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

/** "Desk lamp", "Desk lamp and 2 more": the first item's catalog name (its id if unknown) and how many others. */
export function orderSummary(order: OrderView, names: ReadonlyMap<string, ProductView>): string {
  const [first, ...rest] = order.items;
  if (!first) return 'No items';
  const name = names.get(first.productId)?.name ?? first.productId;
  return rest.length ? `${name} and ${rest.length} more` : name;
}

function OrderListItem({ order, products }: { order: OrderView; products: ReadonlyMap<string, ProductView> }) {
  const units = order.items.reduce((n, i) => n + i.quantity, 0);
  return (
    <li className="order-list__item">
      <span className="order-list__main">
        <Link to={`/orders/${encodeURIComponent(order.orderId)}`} className="order-list__link">
          {orderSummary(order, products)}
        </Link>
        <span className="order-list__meta">
          Order {shortOrderNumber(order.orderId)} · placed {formatDateTime(order.createdAt)} · {units}{' '}
          {units === 1 ? 'item' : 'items'}
        </span>
      </span>
      {order.clientTotalCents !== undefined && (
        <span className="order-list__total">{formatPrice(order.clientTotalCents, order.currency)}</span>
      )}
      <StatusBadge status={order.status} />
    </li>
  );
}
