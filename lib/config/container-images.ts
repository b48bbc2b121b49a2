/**
 * Every container image SecureCart runs that it does not build itself, in one place
 * (container-images.json): the repository, the tag a person reads, and the digest that decides
 * which bytes run. `npm run images:pin` resolves each tag's digest from its registry and writes it
 * here (and into the service's Dockerfile); with a digest the image reference is
 * `repository:tag@sha256:…`, so a tag that moves or disappears changes nothing that is deployed, and
 * a new digest shows in the diff of a review (ADR 23). Without one, the reference is the tag alone
 * and synthesis notes it (`securecart:image-unpinned`, an info annotation).
 */
import images from './container-images.json';

export interface ContainerImageSpec {
  /** Registry host and repository path, e.g. `public.ecr.aws/docker/library/node`. */
  readonly repository: string;
  readonly tag: string;
  /** `sha256:` and 64 hex digits: the manifest (or multi-platform index) the tag named when pinned. */
  readonly digest?: string;
  /** The platform SecureCart runs it on (ECS tasks and the image build are ARM64). */
  readonly platform: string;
  readonly usedBy: string;
}

export type ContainerImageName = keyof typeof images;

export const DIGEST_PATTERN = /^sha256:[0-9a-f]{64}$/;
const TAG_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const REPOSITORY_PATTERN = /^[a-z0-9.-]+(:[0-9]+)?(\/[a-z0-9]+(?:[._-][a-z0-9]+)*)+$/;

/** The checked entries of container-images.json; a malformed entry fails here, at synthesis. */
export function containerImages(source: Record<string, unknown> = images): Record<string, ContainerImageSpec> {
  const out: Record<string, ContainerImageSpec> = {};
  for (const [name, raw] of Object.entries(source)) {
    const spec = raw as ContainerImageSpec;
    const problems: string[] = [];
    if (typeof spec.repository !== 'string' || !REPOSITORY_PATTERN.test(spec.repository))
      problems.push(`repository ${JSON.stringify(spec.repository)} is not registry/path`);
    if (typeof spec.tag !== 'string' || !TAG_PATTERN.test(spec.tag))
      problems.push(`tag ${JSON.stringify(spec.tag)} is not a valid tag`);
    if (spec.digest !== undefined && (typeof spec.digest !== 'string' || !DIGEST_PATTERN.test(spec.digest)))
      problems.push(`digest ${JSON.stringify(spec.digest)} is not sha256:<64 hex digits>`);
    if (problems.length > 0) throw new Error(`lib/config/container-images.json, ${name}: ${problems.join('; ')}`);
    out[name] = spec;
  }
  return out;
}

export function containerImage(name: ContainerImageName): ContainerImageSpec {
  return containerImages()[name];
}

/** `repository:tag@digest` when pinned (the digest decides; the tag is for people), else `repository:tag`. */
export function imageReference(spec: ContainerImageSpec): string {
  return spec.digest ? `${spec.repository}:${spec.tag}@${spec.digest}` : `${spec.repository}:${spec.tag}`;
}
