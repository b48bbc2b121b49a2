import { HANDLER_ENV } from '@securecart/contracts/env';
import type { ScreeningPolicy } from '@securecart/contracts/events';
import { positiveIntEnv, requireEnv } from './env';

/** Parses a comma-separated list of country codes (`'US, CA'` → `['US', 'CA']`). */
export function parseCountryList(text: string): string[] {
  return text
    .split(',')
    .map((c) => c.trim().toUpperCase())
    .filter((c) => c.length > 0);
}

/** The screening policy the Pipeline stack passes through the environment (same values as the rule patterns). */
export function screeningPolicyFromEnv(): ScreeningPolicy {
  return {
    highValueThresholdCents: positiveIntEnv(HANDLER_ENV.highValueThresholdCents),
    allowedShippingCountries: parseCountryList(requireEnv(HANDLER_ENV.allowedShippingCountries)),
  };
}
