import { useId } from 'react';
import { Link } from 'react-router';
import type { RecommendedProduct } from '@securecart/contracts/http-api';
import { useAsync } from '../hooks';
import { formatPrice } from '../money';
import { ProductImage } from './ProductImage';

/**
 * A titled list of recommended products ("Customers also viewed", "Popular now"), each a link to its
 * page with its picture (loaded lazily) and price. It sits at the end of its page in a box of fixed
 * minimum height (styles.css), so nothing above or beside it moves when it arrives; when there is
 * nothing to recommend, or the answer fails, the box stays empty: recommendations are never worth
 * an error message.
 */
export interface RecommendationsProps {
  readonly title: string;
  /** Stable (useCallback): a new function loads again. */
  readonly load: (signal: AbortSignal) => Promise<RecommendedProduct[]>;
}

export function Recommendations({ title, load }: RecommendationsProps) {
  const [state] = useAsync(load);
  const id = useId();
  const products = state.status === 'ready' ? state.data : [];
  return (
    <div className="recommendations">
      {products.length > 0 && (
        <section aria-labelledby={id}>
          <h2 id={id}>{title}</h2>
          <ul className="recommendations__list">
            {products.map((p) => (
              <li key={p.productId} className="recommendations__item">
                <ProductImage product={p} />
                <Link to={`/products/${encodeURIComponent(p.productId)}`}>{p.name}</Link>
                <span>{formatPrice(p.priceCents, p.currency)}</span>
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}
