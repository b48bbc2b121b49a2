/**
 * The cart's items without React: the order contract's limits (ORDER_LIMITS), the copy kept in
 * localStorage while signed out, and the changes the cart offers, each returning the new list.
 */
import { ORDER_LIMITS } from './contracts';
import type { OrderItem } from './contracts';

const LOCAL_KEY = 'securecart.cart';

/** A quantity the order contract accepts: a whole number from 1 to ORDER_LIMITS.maxQuantity. */
export const clampQuantity = (n: number): number => Math.min(ORDER_LIMITS.maxQuantity, Math.max(1, Math.floor(n)));

export function readLocal(): OrderItem[] {
  try {
    const value: unknown = JSON.parse(window.localStorage.getItem(LOCAL_KEY) ?? '[]');
    if (!Array.isArray(value)) return [];
    return value
      .filter(
        (i): i is OrderItem => typeof i?.productId === 'string' && Number.isInteger(i?.quantity) && i.quantity > 0,
      )
      .slice(0, ORDER_LIMITS.maxItems)
      .map((i) => ({ productId: i.productId, quantity: clampQuantity(i.quantity) }));
  } catch {
    return [];
  }
}

export function writeLocal(items: readonly OrderItem[]): void {
  try {
    if (items.length) window.localStorage.setItem(LOCAL_KEY, JSON.stringify(items));
    else window.localStorage.removeItem(LOCAL_KEY);
  } catch {
    // storage full or disabled: the cart still works for this page view
  }
}

/** The signed-in cart plus what was put in the cart while signed out. */
export function mergeCarts(server: readonly OrderItem[], local: readonly OrderItem[]): OrderItem[] {
  const merged = new Map(server.map((i) => [i.productId, i.quantity]));
  for (const item of local) {
    merged.set(item.productId, clampQuantity((merged.get(item.productId) ?? 0) + item.quantity));
  }
  return [...merged].slice(0, ORDER_LIMITS.maxItems).map(([productId, quantity]) => ({ productId, quantity }));
}

/** `quantity` more of a product; null when it would be a line more than an order may have. */
export function addItem(items: readonly OrderItem[], productId: string, quantity: number): OrderItem[] | null {
  const existing = items.find((i) => i.productId === productId);
  if (!existing && items.length >= ORDER_LIMITS.maxItems) return null;
  return existing
    ? items.map((i) => (i.productId === productId ? { productId, quantity: clampQuantity(i.quantity + quantity) } : i))
    : [...items, { productId, quantity: clampQuantity(quantity) }];
}

export const setItemQuantity = (items: readonly OrderItem[], productId: string, quantity: number): OrderItem[] =>
  items.map((i) => (i.productId === productId ? { productId, quantity: clampQuantity(quantity) } : i));

export const removeItem = (items: readonly OrderItem[], productId: string): OrderItem[] =>
  items.filter((i) => i.productId !== productId);
