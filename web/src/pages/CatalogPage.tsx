import { useCallback, useMemo, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useApi } from '../app-context';
import { useCart } from '../cart';
import type { ProductView } from '../contracts';
import { AddedToast, LiveRegion } from '../components/AddedToast';
import { CartError, ErrorMessage } from '../components/ErrorMessage';
import { ProductImage } from '../components/ProductImage';
import { Recommendations } from '../components/Recommendations';
import { Spinner } from '../components/Spinner';
import { formatPrice } from '../money';
import { useAsync, usePageTitle } from '../hooks';

/** Cards in the first screen on a phone or a desktop: their pictures load at once, the others lazily. */
const EAGER_IMAGES = 3;

interface CardProps {
  readonly product: ProductView;
  readonly eager: boolean;
  readonly toast: string | null;
  readonly onAdd: (p: ProductView) => void;
  readonly onDismiss: () => void;
}

function ProductCard({ product, eager, toast, onAdd, onDismiss }: CardProps) {
  const available = product.inStock;
  const href = `/products/${encodeURIComponent(product.productId)}`;
  return (
    <li className="card">
      <ProductImage product={product} eager={eager} />
      <h2 className="card__title">
        <Link to={href}>{product.name}</Link>
      </h2>
      <p className="card__price">{formatPrice(product.priceCents, product.currency)}</p>
      <p className={available ? 'stock stock--in' : 'stock stock--out'}>{available ? 'In stock' : 'Out of stock'}</p>
      {/* The name starts with the visible words (WCAG 2.5.3); the product tells the buttons apart. */}
      <button type="button" className="button" disabled={!available} onClick={() => onAdd(product)}>
        Add to cart <span className="visually-hidden">({product.name})</span>
      </button>
      {toast && <AddedToast message={toast} onDismiss={onDismiss} />}
    </li>
  );
}

/** The categories present in `products`, sorted by name. */
export function categoriesOf(products: readonly ProductView[]): string[] {
  return [...new Set(products.map((p) => p.category))].sort((a, b) => a.localeCompare(b));
}

function CategoryFilter({
  categories,
  value,
  onChange,
}: {
  categories: string[];
  value: string;
  onChange: (c: string) => void;
}) {
  return (
    <div className="filter">
      <label htmlFor="category">Category</label>
      <select id="category" value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">All products</option>
        {categories.map((c) => (
          <option key={c} value={c}>
            {c}
          </option>
        ))}
      </select>
    </div>
  );
}

interface GridProps {
  readonly products: readonly ProductView[];
  readonly label: string;
  readonly toast: { readonly productId: string; readonly message: string } | null;
  readonly onAdd: (p: ProductView) => void;
  readonly onDismiss: () => void;
}

function ProductGrid({ products, label, toast, onAdd, onDismiss }: GridProps) {
  return (
    <ul className="card-grid" aria-label={label}>
      {products.map((p, i) => (
        <ProductCard
          key={p.productId}
          product={p}
          eager={i < EAGER_IMAGES}
          toast={toast?.productId === p.productId ? toast.message : null}
          onAdd={onAdd}
          onDismiss={onDismiss}
        />
      ))}
    </ul>
  );
}

/** "Popular now", after the grid: asked for once the products are shown, below the first screen, so it never moves them. */
function PopularNow() {
  const api = useApi();
  const load = useCallback((signal: AbortSignal) => api.getPopular(signal), [api]);
  return <Recommendations title="Popular now" load={load} />;
}

export default function CatalogPage() {
  usePageTitle('Catalog');
  const api = useApi();
  const cart = useCart();
  const [params, setParams] = useSearchParams();
  const category = params.get('category') ?? '';
  const [announcement, setAnnouncement] = useState('');
  const [toast, setToast] = useState<{ productId: string; message: string } | null>(null);
  const [state, reload] = useAsync(useCallback((signal: AbortSignal) => api.listProducts(signal), [api]));

  const products = state.status === 'ready' ? state.data : [];
  const categories = useMemo(() => categoriesOf(products), [products]);
  const shown = category ? products.filter((p) => p.category === category) : products;

  const add = async (product: ProductView) => {
    const ok = await cart.add(product.productId, 1);
    const message = ok ? `Added ${product.name} to your cart.` : '';
    setAnnouncement(message);
    setToast(ok ? { productId: product.productId, message } : null);
  };
  const choose = (next: string) => {
    setToast(null);
    setParams(next ? { category: next } : {}, { replace: true });
    const count = next ? products.filter((p) => p.category === next).length : products.length;
    setAnnouncement(`${count} ${count === 1 ? 'product' : 'products'}${next ? ` in ${next}` : ''}.`);
  };

  return (
    <section aria-labelledby="catalog-title">
      <div className="catalog__head">
        <h1 id="catalog-title">Catalog</h1>
        {/* Always there (its options arrive with the products): the heading's row keeps its height. */}
        <CategoryFilter
          categories={category && !categories.includes(category) ? [...categories, category] : categories}
          value={category}
          onChange={choose}
        />
      </div>
      <LiveRegion message={announcement} />
      <CartError />
      {state.status === 'loading' && <Spinner label="Loading products…" />}
      {state.status === 'error' && (
        <ErrorMessage title="We could not load the catalog." error={state.error} onRetry={reload} />
      )}
      {state.status === 'ready' &&
        (shown.length ? (
          <ProductGrid
            products={shown}
            label={category ? `Products in ${category}` : 'Products'}
            toast={toast}
            onAdd={(product) => void add(product)}
            onDismiss={() => setToast(null)}
          />
        ) : (
          <p>No products are available right now.</p>
        ))}
      {state.status === 'ready' && <PopularNow />}
    </section>
  );
}
