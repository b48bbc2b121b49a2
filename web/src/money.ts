/**
 * Prices and dates in the customer's words: the browser's preferred languages choose the format,
 * the catalog's currency (each ProductView and OrderView carries it) the symbol. `en-US` sees
 * "$19.99", `de-DE` "19,99 $", `fr-CA` "19,99 $ US".
 *
 * The default currency is the contract's only one (contracts/catalog.ts CATALOG_CURRENCY), written
 * out: importing that module here makes Rolldown split the initial JavaScript into four chunks
 * (+2 KB gzip, measured).
 */
const CATALOG_CURRENCY = 'USD';

/** The customer's languages, best first (the browser's, else en-US). */
export function customerLocales(): readonly string[] {
  const languages = typeof navigator === 'undefined' ? undefined : navigator.languages;
  return languages?.length ? languages : ['en-US'];
}

const formats = new Map<string, Intl.NumberFormat>();

/** Integer cents of `currency` for the customer's (or the given) locales: 1999 → "$19.99" in en-US. */
export function formatPrice(
  cents: number,
  currency: string = CATALOG_CURRENCY,
  locales: readonly string[] = customerLocales(),
): string {
  const key = `${locales.join(',')}|${currency}`;
  let format = formats.get(key);
  if (!format) {
    try {
      format = new Intl.NumberFormat([...locales], { style: 'currency', currency });
    } catch {
      format = new Intl.NumberFormat('en-US', { style: 'currency', currency });
    }
    formats.set(key, format);
  }
  return format.format(cents / 100);
}

/** Integer cents in the catalog's currency, formatted for the customer. */
export const formatCents = (cents: number): string => formatPrice(cents);

const dateTime = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeStyle: 'short' });

export function formatDateTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dateTime.format(date);
}
