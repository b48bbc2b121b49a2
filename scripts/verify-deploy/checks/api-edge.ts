import { lookup } from 'node:dns/promises';
import { isIPv4, isIPv6 } from 'node:net';
import { ProductListSchema } from '@securecart/contracts/http-api';
import { CheckFailure } from '../../../test/smoke/report';
import { httpRequest, joinUrl, short } from '../http';

/*
 * The API's three doors: CloudFront's /api/* (open), the REST API's own URL (closed without the
 * origin header only CloudFront sends), and the ALB (not on the internet at all).
 */

/** GET <storefront>/api/products answers 200 with a product list; returns the products' ids. */
export async function checkProductsThroughCloudFront(
  storefrontUrl: string,
): Promise<{ detail: string; ids: string[] }> {
  const url = joinUrl(storefrontUrl, '/api/products');
  const r = await httpRequest(url, { headers: { accept: 'application/json' } });
  if (r.status !== 200) throw new CheckFailure(`GET ${url} → ${r.status} (expected 200): ${short(r.text)}`);
  const parsed = ProductListSchema.safeParse(r.json);
  if (!parsed.success) throw new CheckFailure(`GET ${url} → 200 but not a product list: ${short(r.text)}`);
  if (parsed.data.products.length === 0) throw new CheckFailure(`GET ${url} → 200 with no products`);
  const ids = parsed.data.products.map((p) => p.productId);
  return { detail: `200, ${ids.length} products`, ids };
}

/** The REST API's invoke URL, without the origin header, answers 403 (WAF or the method's required header). */
export async function checkApiClosedWithoutOriginHeader(apiUrl: string): Promise<string> {
  const url = joinUrl(apiUrl, '/api/products');
  const r = await httpRequest(url, { headers: { accept: 'application/json' } });
  if (r.status !== 403)
    throw new CheckFailure(`GET ${url} without the origin header → ${r.status} (expected 403): ${short(r.text)}`);
  return `GET ${url} → 403`;
}

/** True for addresses not routable on the internet: RFC 1918, loopback, link-local, IPv6 ULA. */
export function isPrivateAddress(address: string): boolean {
  if (isIPv4(address)) {
    const [a, b] = address.split('.').map(Number);
    return (
      a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || a === 127 || (a === 169 && b === 254)
    );
  }
  if (isIPv6(address)) {
    const lower = address.toLowerCase();
    return lower === '::1' || /^f[cd]/.test(lower) || /^fe[89ab]/.test(lower);
  }
  return false;
}

export type Resolver = (host: string) => Promise<string[]>;
export const dnsResolver: Resolver = async (host) => (await lookup(host, { all: true })).map((a) => a.address);

/** The internal ALB's DNS name resolves, and only to private addresses. */
export async function checkLoadBalancerNotPublic(dnsName: string, resolve: Resolver = dnsResolver): Promise<string> {
  let addresses: string[];
  try {
    addresses = await resolve(dnsName);
  } catch (error) {
    throw new CheckFailure(`${dnsName} does not resolve (${(error as Error).message}); expected private addresses`);
  }
  if (addresses.length === 0) throw new CheckFailure(`${dnsName} resolves to no address`);
  const publicOnes = addresses.filter((a) => !isPrivateAddress(a));
  if (publicOnes.length) throw new CheckFailure(`${dnsName} resolves to public addresses: ${publicOnes.join(', ')}`);
  return `${dnsName} → ${addresses.join(', ')} (private only)`;
}
