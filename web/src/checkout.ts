/**
 * Checkout logic without React: address validation with the contract's AddressSchema (the same
 * schema the checkout service validates with), customer-facing messages that name the field, and
 * the Idempotency-Key of a checkout attempt.
 */
import { ISO_3166_ALPHA2 } from '@securecart/contracts/countries';
import { TEST_PAYMENT_TOKENS } from '@securecart/contracts/payment';
import { AddressSchema, PAYMENT_TOKEN_PATTERN } from './contracts';
import type { Address, CreateOrderBody, IssueLike } from './contracts';

export const ADDRESS_FIELDS = ['name', 'line1', 'line2', 'city', 'postalCode', 'country'] as const;
export type AddressField = (typeof ADDRESS_FIELDS)[number];
export type AddressForm = Record<AddressField, string>;
export type FieldErrors = Partial<Record<AddressField | 'payment', string>>;

export const FIELD_LABELS: Record<AddressField, string> = {
  name: 'Full name',
  line1: 'Address line 1',
  line2: 'Address line 2',
  city: 'City',
  postalCode: 'Postal code',
  country: 'Country',
};

/** The simulated provider's test tokens, labelled as what they are. */
export const TEST_CARDS = [
  { token: TEST_PAYMENT_TOKENS.approve, label: 'Test card — approves' },
  { token: TEST_PAYMENT_TOKENS.decline, label: 'Test card — declines' },
  { token: TEST_PAYMENT_TOKENS.transientTwice, label: 'Test card — provider fails twice, then approves' },
  { token: TEST_PAYMENT_TOKENS.timeout, label: 'Test card — provider never answers (the order is cancelled)' },
] as const;

export const EMPTY_ADDRESS: AddressForm = { name: '', line1: '', line2: '', city: '', postalCode: '', country: '' };

/** One of zod's issues about the address, with what the messages below need of it. */
interface AddressIssue extends IssueLike {
  readonly code: string;
  readonly minimum?: number | bigint;
  readonly maximum?: number | bigint;
}

/**
 * A message that names the field by its label (not contracts/problems' `path: message`, which
 * names it by its path): "Postal code must be at most 20 characters."
 */
function messageFor(field: AddressField, issue: AddressIssue): string {
  const label = FIELD_LABELS[field];
  if (issue.code === 'too_small' && Number(issue.minimum) <= 1) return `${label} is required.`;
  if (issue.code === 'too_small') return `${label} must be at least ${issue.minimum} characters.`;
  if (issue.code === 'too_big') return `${label} must be at most ${issue.maximum} characters.`;
  if (issue.code === 'invalid_format' && field === 'country') return 'Choose the country to ship to.';
  return `${label}: ${issue.message}`;
}

const isAddressField = (key: unknown): key is AddressField => ADDRESS_FIELDS.includes(key as AddressField);

/** Trims the form, checks it against AddressSchema, and returns the address or one message per field. */
export function validateAddress(
  form: AddressForm,
): { ok: true; address: Address } | { ok: false; errors: FieldErrors } {
  const candidate = {
    name: form.name.trim(),
    line1: form.line1.trim(),
    ...(form.line2.trim() ? { line2: form.line2.trim() } : {}),
    city: form.city.trim(),
    postalCode: form.postalCode.trim(),
    country: form.country.trim().toUpperCase(),
  };
  const result = AddressSchema.safeParse(candidate);
  if (result.success) return { ok: true, address: result.data };
  const errors: FieldErrors = {};
  for (const issue of result.error.issues as readonly AddressIssue[]) {
    const field = issue.path[0];
    if (isAddressField(field)) errors[field] ??= messageFor(field, issue);
  }
  return { ok: false, errors };
}

/** The address and the payment token of the form, or one message per field that is wrong. */
export function checkDetails(
  form: AddressForm,
  token: string,
): { ok: true; address: Address } | { ok: false; errors: FieldErrors } {
  const validation = validateAddress(form);
  const paymentError = PAYMENT_TOKEN_PATTERN.test(token) ? undefined : 'Payment: choose a test card.';
  if (validation.ok && !paymentError) return validation;
  return {
    ok: false,
    errors: { ...(validation.ok ? {} : validation.errors), ...(paymentError ? { payment: paymentError } : {}) },
  };
}

/**
 * Field messages from a 400's problems (`body.shippingAddress.postalCode: ...`), so a check only
 * the service makes is still shown next to the field.
 */
export function fieldErrorsFromProblems(problems: readonly string[]): FieldErrors {
  const errors: FieldErrors = {};
  for (const problem of problems) {
    const match = /^body\.shippingAddress\.(\w+):\s*(.*)$/.exec(problem);
    if (match && isAddressField(match[1])) errors[match[1]] ??= `${FIELD_LABELS[match[1]]}: ${match[2]}`;
    else if (problem.startsWith('body.payment')) errors.payment ??= `Payment: ${problem.replace(/^[^:]*:\s*/, '')}`;
  }
  return errors;
}

/** One checkout attempt: its Idempotency-Key and the body it was sent with. */
export interface CheckoutAttempt {
  readonly key: string;
  readonly fingerprint: string;
}

export function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * The attempt to send `body` with: the previous attempt again when the body is the same (a retry,
 * which the service answers with the same order), otherwise a new attempt with a new key.
 */
export function attemptFor(
  previous: CheckoutAttempt | null,
  body: CreateOrderBody,
  newKey: () => string = newIdempotencyKey,
): CheckoutAttempt {
  const fingerprint = JSON.stringify(body);
  return previous?.fingerprint === fingerprint ? previous : { key: newKey(), fingerprint };
}

const ATTEMPT_KEY = 'securecart.checkout-attempt';

/** The unfinished attempt survives a reload of the page, so retrying after one is still safe. */
export const attemptStore = {
  load(): CheckoutAttempt | null {
    try {
      const value = JSON.parse(window.sessionStorage.getItem(ATTEMPT_KEY) ?? 'null') as CheckoutAttempt | null;
      return value && typeof value.key === 'string' && typeof value.fingerprint === 'string' ? value : null;
    } catch {
      return null;
    }
  },
  save(attempt: CheckoutAttempt): void {
    try {
      window.sessionStorage.setItem(ATTEMPT_KEY, JSON.stringify(attempt));
    } catch {
      // kept in memory only
    }
  },
  clear(): void {
    try {
      window.sessionStorage.removeItem(ATTEMPT_KEY);
    } catch {
      // nothing stored
    }
  },
};

/** Where the customer's last country choice is kept (this browser only). */
export const COUNTRY_STORAGE_KEY = 'securecart.country';

/** The country chosen last time in this browser, if it is still one of the list. */
export function rememberedCountry(): string {
  try {
    const code = window.localStorage.getItem(COUNTRY_STORAGE_KEY) ?? '';
    return (ISO_3166_ALPHA2 as readonly string[]).includes(code) ? code : '';
  } catch {
    return '';
  }
}

export function rememberCountry(code: string): void {
  try {
    if (code) window.localStorage.setItem(COUNTRY_STORAGE_KEY, code);
  } catch {
    // storage full or refused: the choice is simply not remembered
  }
}

/** Every ISO 3166-1 country as { code, name }, named in the customer's language and sorted by that name. */
export function countryOptions(locales: readonly string[]): { code: string; name: string }[] {
  let names: Intl.DisplayNames | undefined;
  try {
    names = new Intl.DisplayNames([...locales], { type: 'region', fallback: 'code' });
  } catch {
    names = undefined;
  }
  const collator = new Intl.Collator([...locales]);
  return ISO_3166_ALPHA2.map((code) => ({ code, name: names?.of(code) ?? code })).sort((a, b) =>
    collator.compare(a.name, b.name),
  );
}
