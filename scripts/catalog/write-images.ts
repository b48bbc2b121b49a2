/**
 * npm run images:products [-- --check]
 *
 * Writes the demo catalog's pictures (scripts/catalog/artwork.ts) to web/public/images/products as
 * `<name>.<hash>.svg` and removes pictures no longer drawn there. With --check, writes nothing and
 * exits 1 when the folder differs from what the artwork draws (test/product-images.test.ts checks
 * the same).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { ARTWORK, imageKeyOf } from './artwork';
import type { ArtworkName } from './artwork';

export const IMAGES_DIR = path.join(__dirname, '..', '..', 'web', 'public', 'images', 'products');

/** File name → SVG text of every picture. */
export function expectedImages(): Map<string, string> {
  return new Map(
    (Object.keys(ARTWORK) as ArtworkName[]).map((name) => [`${imageKeyOf(name)}.svg`, ARTWORK[name]] as const),
  );
}

/** What differs between the folder and the artwork: missing, changed and stray files. */
export function imageDrift(dir = IMAGES_DIR): string[] {
  const want = expectedImages();
  const have = existsSync(dir) ? readdirSync(dir) : [];
  const drift: string[] = [];
  for (const [file, svg] of want) {
    if (!have.includes(file)) drift.push(`missing ${file}`);
    else if (readFileSync(path.join(dir, file), 'utf8') !== svg) drift.push(`changed ${file}`);
  }
  for (const file of have) if (!want.has(file)) drift.push(`stray ${file}`);
  return drift;
}

function main(): number {
  if (process.argv.includes('--check')) {
    const drift = imageDrift();
    if (drift.length) {
      console.error(`images:products: ${drift.join(', ')}; run npm run images:products`);
      return 1;
    }
    console.log('images:products: web/public/images/products matches the artwork');
    return 0;
  }
  mkdirSync(IMAGES_DIR, { recursive: true });
  const want = expectedImages();
  for (const file of readdirSync(IMAGES_DIR)) if (!want.has(file)) rmSync(path.join(IMAGES_DIR, file));
  for (const [file, svg] of want) writeFileSync(path.join(IMAGES_DIR, file), svg);
  console.log(`images:products: ${want.size} pictures in ${path.relative(process.cwd(), IMAGES_DIR)}`);
  return 0;
}

if (require.main === module) process.exit(main());
