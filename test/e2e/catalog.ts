import type { CatalogItem } from '@securecart/contracts';
import { imageKeyOf } from '../../scripts/catalog/artwork';
import type { ArtworkName } from '../../scripts/catalog/artwork';
import type { Clients } from '../smoke/aws';
import { DEMO_PRODUCTS, seedCatalog } from '../../scripts/seed-catalog';
import { seedCatalogItems } from '../smoke/catalog';
import type { StackOutputs } from '../smoke/outputs';

/*
 * The products the journey buys, seeded into the deployed Catalog table as the smoke suite seeds
 * its own (test/smoke/catalog.ts): ids unique to the run, removed afterwards. Prices stay far below
 * every profile's high-value threshold and stock far above the reorder level, so the orders take
 * the plain path (no fraud screening, no restock).
 */

export interface JourneyProducts {
  /** Bought from its product page, paid with the approving test card. */
  readonly approved: CatalogItem;
  /** Added from its catalog card, paid with the declining test card. */
  readonly declined: CatalogItem;
}

export function planProducts(runId: string): JourneyProducts {
  const item = (key: ArtworkName, name: string, priceCents: number, category: string): CatalogItem => ({
    productId: `e2e-${runId}-${key}`,
    name: `${name} (e2e ${runId})`,
    priceCents,
    stock: 100,
    reorderLevel: 5,
    reorderQuantity: 50,
    warehouse: 'e2e-east',
    active: true,
    description: `${name}, seeded by the browser journey for one run and removed after it.`,
    imageKey: imageKeyOf(key),
    imageAlt: `A drawing of a ${name.toLowerCase()}`,
    category,
  });
  return {
    approved: item('lamp', 'Walnut desk lamp', 2499, 'Home'),
    declined: item('mug', 'Stoneware mug', 1250, 'Kitchen'),
  };
}

export async function seedProducts(c: Clients, o: StackOutputs, products: JourneyProducts): Promise<string> {
  const items = Object.values(products);
  await seedCatalogItems(c, o, items);
  return items.map((i) => `${i.productId} ${i.priceCents}¢ ×${i.stock}`).join(', ');
}

/**
 * The demo catalog (scripts/seed-catalog.ts), for the README's screenshots: the products not in the
 * table yet are added; returns those (to remove after the run), never touching ones already there.
 */
export async function seedDemoCatalog(c: Clients, o: StackOutputs): Promise<{ added: CatalogItem[]; summary: string }> {
  const { written, kept } = await seedCatalog(o.CatalogTableName, DEMO_PRODUCTS, { keepExisting: true, ddb: c.doc });
  const added = DEMO_PRODUCTS.filter((p) => written.includes(p.productId));
  return { added, summary: `${written.length} demo products added, ${kept.length} already there` };
}
