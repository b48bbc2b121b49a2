/**
 * npm run images:pin [-- --check]
 *
 * Resolves the digest each tag of lib/config/container-images.json names today (registry.ts) and
 * writes it there and into the checkout service's Dockerfile (its FROM line), so every image
 * SecureCart runs is pinned by digest with its tag beside it (ADR 23). Review the diff like any
 * dependency update. `--check` changes nothing: it exits 1 when an image is unpinned or its tag has
 * moved since it was pinned (a new base image to review), 0 when every pin still matches.
 *
 * Needs the registries (ECR Public); run it before the first deploy and whenever a tag is bumped.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { containerImages, imageReference } from '../../lib/config/container-images';
import type { ContainerImageSpec } from '../../lib/config/container-images';
import { resolveDigest } from './registry';
import type { ResolveOptions } from './registry';

const ROOT = join(__dirname, '..', '..');
export const IMAGES_FILE = join(ROOT, 'lib', 'config', 'container-images.json');
export const DOCKERFILE = join(ROOT, 'services', 'checkout-api', 'Dockerfile');
/** The entry of container-images.json the Dockerfile's FROM line names. */
export const DOCKERFILE_IMAGE = 'nodeBase';

const FROM_LINE = /^FROM (--platform=\S+ )?\S+/m;

/** The Dockerfile with its (first) FROM line naming `reference`, the platform flag kept. */
export function withBaseImage(dockerfile: string, reference: string): string {
  if (!FROM_LINE.test(dockerfile)) throw new Error('the Dockerfile has no FROM line');
  return dockerfile.replace(FROM_LINE, (_line, platform: string | undefined) => `FROM ${platform ?? ''}${reference}`);
}

/** The image the Dockerfile's first FROM line names. */
export function baseImageOf(dockerfile: string): string {
  const match = FROM_LINE.exec(dockerfile);
  if (!match) throw new Error('the Dockerfile has no FROM line');
  return match[0].split(' ').pop()!;
}

export interface PinResult {
  readonly name: string;
  readonly reference: string;
  readonly before?: string;
  readonly after: string;
}

/** Every image's current digest; with `write`, container-images.json and the Dockerfile are updated. */
export async function pinImages(
  options: ResolveOptions & { write: boolean; imagesFile?: string; dockerfile?: string },
): Promise<PinResult[]> {
  const imagesFile = options.imagesFile ?? IMAGES_FILE;
  const dockerfile = options.dockerfile ?? DOCKERFILE;
  const raw = JSON.parse(readFileSync(imagesFile, 'utf8')) as Record<string, ContainerImageSpec>;
  const specs = containerImages(raw);
  const results: PinResult[] = [];
  for (const [name, spec] of Object.entries(specs)) {
    const after = await resolveDigest(spec, options);
    results.push({ name, reference: `${spec.repository}:${spec.tag}`, before: spec.digest, after });
    raw[name] = { ...raw[name], digest: after };
  }
  if (options.write) {
    writeFileSync(imagesFile, `${JSON.stringify(raw, null, 2)}\n`);
    const pinnedBase = imageReference(containerImages(raw)[DOCKERFILE_IMAGE]);
    writeFileSync(dockerfile, withBaseImage(readFileSync(dockerfile, 'utf8'), pinnedBase));
  }
  return results;
}

async function main() {
  const check = process.argv.includes('--check');
  const results = await pinImages({ write: !check });
  let stale = 0;
  for (const r of results) {
    const state = !r.before ? 'unpinned' : r.before === r.after ? 'current' : 'moved';
    if (state !== 'current') stale += 1;
    console.log(
      `${state.padEnd(9)} ${r.name.padEnd(16)} ${r.reference} ${check ? (r.before ?? '-') : ''} -> ${r.after}`,
    );
  }
  if (check && stale > 0) {
    console.log(`\n${stale} image(s) unpinned or moved: run \`npm run images:pin\` and review the diff.`);
    process.exit(1);
  }
  if (!check)
    console.log(
      '\nwritten: lib/config/container-images.json and services/checkout-api/Dockerfile; review and commit the diff.',
    );
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(`images:pin: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  });
}
