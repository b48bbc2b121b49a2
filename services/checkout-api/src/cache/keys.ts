/**
 * Cache keys. Every key starts with `sc:<CACHE_SCHEMA_VERSION>:` (bump it when the shape of a cached
 * value changes: old entries are simply never read again and expire) and a namespace. Each part
 * of a key is kept as it is only when it is short and plain (`[A-Za-z0-9_-]`, at most 64
 * characters: `=part`); anything else (Unicode, separators, a megabyte of id) is replaced by its
 * SHA-256 (`#digest`), so a key is always short, printable and unambiguous: no part can end a
 * segment early or pose as another part, whatever a client sends.
 */
import { createHash } from 'node:crypto';

/** Bump when a cached value's shape changes (a deployment then starts from an empty cache). */
export const CACHE_SCHEMA_VERSION = 1;

const PLAIN_PART = /^[A-Za-z0-9_-]{1,64}$/;

/** One key segment: `=part` when plain and short, else `#<sha256 base64url>`. */
export function keyPart(part: string | number): string {
  const text = String(part);
  if (PLAIN_PART.test(text)) return `=${text}`;
  return `#${createHash('sha256').update(text, 'utf8').digest('base64url')}`;
}

/** `sc:<schema>:<namespace>:<part>:<part>…` (the namespace is code, never input). */
export function cacheKey(namespace: string, ...parts: (string | number)[]): string {
  if (!/^[a-z][a-z0-9-]*$/.test(namespace)) throw new Error(`cache namespace must be lower-case words (${namespace})`);
  return [`sc`, `v${CACHE_SCHEMA_VERSION}`, namespace, ...parts.map(keyPart)].join(':');
}
