/**
 * The JSON body parser (replacing Fastify's own for application/json): a body must be valid
 * UTF-8 (Fastify's parser would store invalid bytes as U+FFFD) and valid JSON, and no object in it
 * may have a `__proto__` or `constructor` key — refused with 400 naming the key and where it is,
 * as the schemas name any unknown field, instead of Fastify's "Body is not valid JSON".
 * JSON.parse makes such keys plain own properties, but code that copies objects with
 * Object.assign would turn `__proto__` into a prototype: they never get that far.
 */
import { isUtf8 } from 'node:buffer';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError } from '../http-error';
import { rootPlugin } from './root-plugin';

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor']);

/** `body.path: Unrecognized key: "__proto__"` for the first forbidden key, walking iteratively (no depth limit). */
export function forbiddenKey(value: unknown): string | undefined {
  const stack: [unknown, string][] = [[value, 'body']];
  while (stack.length) {
    const [node, path] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (Array.isArray(node)) {
      node.forEach((item, index) => stack.push([item, `${path}.${index}`]));
      continue;
    }
    for (const key of Object.keys(node)) {
      if (FORBIDDEN_KEYS.has(key)) return `${path}: Unrecognized key: "${key}"`;
      stack.push([(node as Record<string, unknown>)[key], `${path}.${key}`]);
    }
  }
  return undefined;
}

/** Parses a JSON body strictly (see the file's comment); errors are 400s that say why. */
export function parseJsonBody(body: Buffer): unknown {
  if (body.length === 0)
    throw new HttpError(400, "Body cannot be empty when content-type is set to 'application/json'");
  if (!isUtf8(body)) throw new HttpError(400, 'body: not valid UTF-8');
  const text = body.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new HttpError(400, "Body is not valid JSON but content-type is set to 'application/json'");
  }
  // Only a body that spells a forbidden key (or escapes characters, \u005f...) needs the walk.
  if (text.includes('__proto__') || text.includes('constructor') || text.includes('\\u')) {
    const problem = forbiddenKey(value);
    if (problem) throw new HttpError(400, problem);
  }
  return value;
}

export const jsonBody = rootPlugin(async (app: FastifyInstance) => {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request: FastifyRequest, body, done) => {
    try {
      done(null, parseJsonBody(body as Buffer));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
});
