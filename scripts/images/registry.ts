/**
 * The digest a tag names, asked of the image's registry with the OCI distribution API (Docker
 * Registry HTTP API v2), as `docker buildx imagetools inspect` would: GET the manifest with the
 * index and manifest media types accepted; on 401, fetch an anonymous bearer token from the realm
 * the `WWW-Authenticate` header names and ask again. The digest is the sha256 of the manifest's
 * bytes, checked against the registry's `Docker-Content-Digest`; a multi-platform index must list
 * the platform SecureCart runs the image on.
 */
import { createHash } from 'node:crypto';
import type { ContainerImageSpec } from '../../lib/config/container-images';

export const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
];

export type Fetch = (url: string, init?: { headers?: Record<string, string> }) => Promise<Response>;

export interface ResolveOptions {
  readonly fetch?: Fetch;
  /** `https://` unless a test points the registry host at a local server (`http://127.0.0.1:port`). */
  readonly registryBase?: (host: string) => string;
}

/** `public.ecr.aws/docker/library/node` → host `public.ecr.aws`, name `docker/library/node`. */
export function splitRepository(repository: string): { host: string; name: string } {
  const slash = repository.indexOf('/');
  if (slash < 1) throw new Error(`${repository}: expected registry-host/repository`);
  return { host: repository.slice(0, slash), name: repository.slice(slash + 1) };
}

/** The parameters of a `WWW-Authenticate: Bearer realm="…",service="…",scope="…"` challenge. */
export function parseBearerChallenge(header: string | null): Record<string, string> {
  if (!header || !/^Bearer\s/i.test(header))
    throw new Error(`the registry asked for ${header ?? 'nothing'}, not a bearer token`);
  const params: Record<string, string> = {};
  for (const m of header.slice(7).matchAll(/([a-zA-Z]+)="([^"]*)"/g)) params[m[1]] = m[2];
  if (!params.realm) throw new Error(`no realm in the registry's challenge: ${header}`);
  return params;
}

export async function resolveDigest(spec: ContainerImageSpec, options: ResolveOptions = {}): Promise<string> {
  const fetchImpl = options.fetch ?? (fetch as Fetch);
  const { host, name } = splitRepository(spec.repository);
  const base = options.registryBase?.(host) ?? `https://${host}`;
  const url = `${base}/v2/${name}/manifests/${encodeURIComponent(spec.tag)}`;
  const accept = MANIFEST_TYPES.join(', ');
  let response = await fetchImpl(url, { headers: { accept } });
  if (response.status === 401) {
    const challenge = parseBearerChallenge(response.headers.get('www-authenticate'));
    const tokenUrl = new URL(challenge.realm);
    if (challenge.service) tokenUrl.searchParams.set('service', challenge.service);
    tokenUrl.searchParams.set('scope', challenge.scope ?? `repository:${name}:pull`);
    const tokenResponse = await fetchImpl(tokenUrl.toString());
    if (!tokenResponse.ok) throw new Error(`${spec.repository}: token request answered ${tokenResponse.status}`);
    const body = (await tokenResponse.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw new Error(`${spec.repository}: the token answer holds no token`);
    response = await fetchImpl(url, { headers: { accept, authorization: `Bearer ${token}` } });
  }
  if (response.status === 404)
    throw new Error(`${spec.repository}:${spec.tag} does not exist (the registry answered 404)`);
  if (!response.ok) throw new Error(`${spec.repository}:${spec.tag}: the registry answered ${response.status}`);
  const bytes = Buffer.from(await response.arrayBuffer());
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  const announced = response.headers.get('docker-content-digest');
  if (announced && announced !== digest) {
    throw new Error(
      `${spec.repository}:${spec.tag}: the registry says ${announced} but the manifest's bytes hash to ${digest}`,
    );
  }
  const manifest = JSON.parse(bytes.toString('utf8')) as {
    manifests?: { platform?: { os?: string; architecture?: string } }[];
  };
  if (manifest.manifests) {
    const [os, architecture] = spec.platform.split('/');
    const platforms = manifest.manifests.map((m) => `${m.platform?.os}/${m.platform?.architecture}`);
    if (!manifest.manifests.some((m) => m.platform?.os === os && m.platform?.architecture === architecture)) {
      throw new Error(`${spec.repository}:${spec.tag} has no ${spec.platform} image (it has ${platforms.join(', ')})`);
    }
  }
  return digest;
}
