import { Link } from 'react-router';
import { formatCents, formatPrice } from '../../money';
import type { PricedItem } from '../CartPage';

/** What is being ordered, with the prices the catalog shows today. */
export function OrderSummary({ lines, totalCents }: { lines: readonly PricedItem[]; totalCents: number }) {
  return (
    <aside className="checkout__summary" aria-labelledby="summary-title">
      <h2 id="summary-title">Order summary</h2>
      <ul className="summary-lines">
        {lines.map((line) => (
          <li key={line.productId}>
            <span>
              {line.quantity} × {line.product?.name ?? line.productId}
            </span>
            <span>
              {line.product
                ? formatPrice(line.product.priceCents * line.quantity, line.product.currency)
                : 'unavailable'}
            </span>
          </li>
        ))}
      </ul>
      <p className="cart-total">
        Total: <strong>{formatCents(totalCents)}</strong>
      </p>
      <p>
        <Link to="/cart">Change your cart</Link>
      </p>
    </aside>
  );
}
