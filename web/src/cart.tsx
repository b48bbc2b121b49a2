/**
 * The shopping cart. Signed in, it lives in the API (GET/PUT /api/cart, the whole cart on every
 * change); signed out, in localStorage, and it is merged into the customer's cart at sign-in.
 * Changes show at once and are undone, with a message, when the API refuses them.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState } from 'react';
import type { ReactNode } from 'react';
import { errorMessage } from './api';
import { useApi, useAuth } from './app-context';
import type { OrderItem } from './contracts';

/** The order contract's limits (contracts/order.ts, services/checkout-api/src/schemas.ts). */
export const MAX_QUANTITY = 100;
export const MAX_LINES = 50;
const LOCAL_KEY = 'securecart.cart';

export interface CartContextValue {
  readonly items: readonly OrderItem[];
  /** False until the cart has been read (from the API when signed in). */
  readonly ready: boolean;
  readonly saving: boolean;
  readonly error: string | null;
  /** Adds to the quantity already in the cart. */
  add(productId: string, quantity: number): Promise<boolean>;
  setQuantity(productId: string, quantity: number): Promise<boolean>;
  remove(productId: string): Promise<boolean>;
  clear(): Promise<boolean>;
  reload(): void;
  dismissError(): void;
}

const CartContext = createContext<CartContextValue | null>(null);

export function useCart(): CartContextValue {
  const cart = useContext(CartContext);
  if (!cart) throw new Error('useCart outside <CartProvider>');
  return cart;
}

const clamp = (n: number) => Math.min(MAX_QUANTITY, Math.max(1, Math.floor(n)));

function readLocal(): OrderItem[] {
  try {
    const value: unknown = JSON.parse(window.localStorage.getItem(LOCAL_KEY) ?? '[]');
    if (!Array.isArray(value)) return [];
    return value
      .filter(
        (i): i is OrderItem => typeof i?.productId === 'string' && Number.isInteger(i?.quantity) && i.quantity > 0,
      )
      .slice(0, MAX_LINES)
      .map((i) => ({ productId: i.productId, quantity: clamp(i.quantity) }));
  } catch {
    return [];
  }
}

function writeLocal(items: readonly OrderItem[]): void {
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
  for (const item of local) merged.set(item.productId, clamp((merged.get(item.productId) ?? 0) + item.quantity));
  return [...merged].slice(0, MAX_LINES).map(([productId, quantity]) => ({ productId, quantity }));
}

export function CartProvider({ children }: { children: ReactNode }) {
  const api = useApi();
  const { state: auth } = useAuth();
  const signedIn = auth.status === 'signedIn';
  const [items, setItems] = useState<readonly OrderItem[]>([]);
  const [ready, setReady] = useState(false);
  const [saving, setSaving] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [generation, setGeneration] = useState(0);
  const itemsRef = useRef(items);
  const queue = useRef<Promise<unknown>>(Promise.resolve());

  const show = (next: readonly OrderItem[]) => {
    itemsRef.current = next;
    setItems(next);
  };

  useEffect(() => {
    if (auth.status === 'loading') return;
    if (!signedIn) {
      show(readLocal());
      setReady(true);
      return;
    }
    const controller = new AbortController();
    setReady(false);
    setError(null);
    (async () => {
      try {
        const server = await api.getCart(controller.signal);
        const local = readLocal();
        if (local.length) {
          const merged = mergeCarts(server.items, local);
          await api.putCart(merged);
          writeLocal([]);
          show(merged);
        } else {
          show(server.items);
        }
      } catch (e) {
        if (controller.signal.aborted) return;
        setError(`We could not load your cart. ${errorMessage(e)}`);
      }
      if (!controller.signal.aborted) setReady(true);
    })();
    return () => controller.abort();
  }, [api, auth.status, signedIn, generation]);

  const commit = useCallback(
    (next: readonly OrderItem[]): Promise<boolean> => {
      const previous = itemsRef.current;
      show(next);
      setError(null);
      if (!signedIn) {
        writeLocal(next);
        return Promise.resolve(true);
      }
      setSaving((n) => n + 1);
      // One PUT at a time, in order: each carries the whole cart, so the last one wins.
      const result = queue.current
        .then(() => api.putCart(next))
        .then(
          () => true,
          (e: unknown) => {
            if (itemsRef.current === next) show(previous);
            setError(`Your cart was not updated. ${errorMessage(e)}`);
            return false;
          },
        )
        .finally(() => setSaving((n) => n - 1));
      queue.current = result;
      return result;
    },
    [api, signedIn],
  );

  const value = useMemo<CartContextValue>(() => {
    const current = () => itemsRef.current;
    return {
      items,
      ready,
      saving: saving > 0,
      error,
      add(productId, quantity) {
        const existing = current().find((i) => i.productId === productId);
        if (!existing && current().length >= MAX_LINES) {
          setError(`Your cart can hold at most ${MAX_LINES} different products.`);
          return Promise.resolve(false);
        }
        return commit(
          existing
            ? current().map((i) =>
                i.productId === productId ? { productId, quantity: clamp(i.quantity + quantity) } : i,
              )
            : [...current(), { productId, quantity: clamp(quantity) }],
        );
      },
      setQuantity(productId, quantity) {
        return commit(current().map((i) => (i.productId === productId ? { productId, quantity: clamp(quantity) } : i)));
      },
      remove(productId) {
        return commit(current().filter((i) => i.productId !== productId));
      },
      clear() {
        return commit([]);
      },
      reload() {
        setGeneration((g) => g + 1);
      },
      dismissError() {
        setError(null);
      },
    };
  }, [items, ready, saving, error, commit]);

  return <CartContext.Provider value={value}>{children}</CartContext.Provider>;
}
