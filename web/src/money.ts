const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });

/** Integer US cents as dollars: 1999 → "$19.99". */
export const formatCents = (cents: number): string => usd.format(cents / 100);

const dateTime = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeStyle: 'short' });

export function formatDateTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dateTime.format(date);
}
