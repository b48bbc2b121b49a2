import { PRODUCT_IMAGE_SIZE, productImagePath } from '@securecart/contracts/catalog';
import type { ProductView } from '../contracts';

/**
 * A product's picture from the storefront's own `/images/` (so `img-src 'self'` is enough), with
 * its intrinsic size set so the page does not move while it loads. `eager` for pictures in the
 * first screen; the rest load lazily as they come near it. No picture: a plain frame of the same size.
 */
export function ProductImage({ product, eager = false }: { product: ProductView; eager?: boolean }) {
  if (!product.imageKey) return <div className="product-image product-image--none" aria-hidden="true" />;
  return (
    <img
      className="product-image"
      src={productImagePath(product.imageKey)}
      alt={product.imageAlt}
      width={PRODUCT_IMAGE_SIZE.width}
      height={PRODUCT_IMAGE_SIZE.height}
      loading={eager ? 'eager' : 'lazy'}
      decoding="async"
      {...(eager ? { fetchPriority: 'high' as const } : {})}
    />
  );
}
