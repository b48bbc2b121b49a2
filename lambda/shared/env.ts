import type { HandlerEnvName } from '@securecart/contracts/env';

/*
 * The handlers' environment: only the variables of the contracts' HANDLER_ENV (the names the
 * Pipeline stack sets), each read when a handler needs it, failing at once and naming the
 * variable. (The contracts' EnvReader, which collects every problem into one start-up message, is
 * the checkout service's way.)
 */

/** Reads a required environment variable; throws naming it when it is missing or empty. */
export function requireEnv(name: HandlerEnvName): string {
  const value = process.env[name];
  if (value === undefined || value.trim() === '') {
    throw new Error(`Missing required environment variable ${name}`);
  }
  return value;
}

/** Reads a positive integer from an environment variable (required unless a fallback is given). */
export function positiveIntEnv(name: HandlerEnvName, fallback?: number): number {
  const raw = process.env[name];
  if ((raw === undefined || raw.trim() === '') && fallback !== undefined) return fallback;
  const text = requireEnv(name).trim();
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value <= 0) {
    throw new Error(`Environment variable ${name} must be a positive integer, got '${text}'`);
  }
  return value;
}
