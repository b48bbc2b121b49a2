import { useCallback, useState } from 'react';
import { Link } from 'react-router';
import { useApi } from '../app-context';
import { useCart } from '../cart';
import type { ProductView } from '../contracts';
import { CartError, ErrorMessage } from '../components/ErrorMessage';
import { Spinner } from '../components/Spinner';
import { formatCents } from '../money';
import { useAsync, usePageTitle } from '../hooks';

function ProductCard({ product, onAdd }: { product: ProductView; onAdd: (p: ProductView) => void }) {
  const available = product.inStock;
  return (
    <li className="card">
      <h2 className="card__title">
        <Link to={`/products/${encodeURIComponent(product.productId)}`}>{product.name}</Link>
      </h2>
      <p className="card__price">{formatCents(product.priceCents)}</p>
      <p className={available ? 'stock stock--in' : 'stock stock--out'}>{available ? 'In stock' : 'Out of stock'}</p>
      <button
        type="button"
        className="button"
        disabled={!available}
        onClick={() => onAdd(product)}
        aria-label={`Add ${product.name} to cart`}
      >
        Add to cart
      </button>
    </li>
  );
}

export default function CatalogPage() {
  usePageTitle('Catalog');
  const api = useApi();
  const cart = useCart();
  const [announcement, setAnnouncement] = useState('');
  const [state, reload] = useAsync(useCallback((signal: AbortSignal) => api.listProducts(signal), [api]));

  const add = async (product: ProductView) => {
    const ok = await cart.add(product.productId, 1);
    setAnnouncement(ok ? `Added ${product.name} to your cart.` : '');
  };

  return (
    <section aria-labelledby="catalog-title">
      <h1 id="catalog-title">Catalog</h1>
      <p role="status" className="announcement">
        {announcement}
      </p>
      <CartError />
      {state.status === 'loading' && <Spinner label="Loading products…" />}
      {state.status === 'error' && (
        <ErrorMessage title="We could not load the catalog." error={state.error} onRetry={reload} />
      )}
      {state.status === 'ready' &&
        (state.data.length ? (
          <ul className="card-grid" aria-label="Products">
            {state.data.map((p) => (
              <ProductCard key={p.productId} product={p} onAdd={(product) => void add(product)} />
            ))}
          </ul>
        ) : (
          <p>No products are available right now.</p>
        ))}
    </section>
  );
}
