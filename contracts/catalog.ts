/**
 * The storefront's product catalog beyond prices and stock: the words and pictures a customer
 * sees. Shared by the seed script (which writes them), the checkout service (which serves them in
 * ProductView), the storefront (which shows them) and the Frontend stack (which serves the images
 * from the storefront's own distribution under `/images/`, so `img-src 'self'` is enough).
 */

/** The one currency the catalog prices in (integer cents). The storefront formats it for the customer's locale. */
export const CATALOG_CURRENCY = 'USD';

/**
 * An image key names one picture for good: `<name>.<content hash>` (scripts/catalog/images.ts
 * writes the files and the keys). New artwork gets a new key, so the files can be cached for a year.
 */
export const IMAGE_KEY_PATTERN = /^[a-z0-9][a-z0-9-]{0,47}\.[0-9a-f]{8}$/;

/** Where the storefront's distribution serves product images (web/public/images/products). */
export const PRODUCT_IMAGE_PREFIX = '/images/products/';

/** The site path of a product's image. */
export const productImagePath = (imageKey: string): string => `${PRODUCT_IMAGE_PREFIX}${imageKey}.svg`;

/** Every product image's intrinsic size (4:3): the `<img>` carries it, so no layout shift while it loads. */
export const PRODUCT_IMAGE_SIZE = { width: 640, height: 480 } as const;

/**
 * Cache-Control of `/images/*` (CloudFront's behaviour and the local stand-in): a year, immutable,
 * because an image key never changes its picture.
 */
export const IMAGE_CACHE_CONTROL = 'public, max-age=31536000, immutable';

/** Limits the seed script checks and the service trusts. */
export const CATALOG_TEXT_LIMITS = { description: 1000, imageAlt: 200, category: 40 } as const;

/** The category a product without one is listed under. */
export const DEFAULT_CATEGORY = 'Other';
