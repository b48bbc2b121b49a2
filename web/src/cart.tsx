/**
 * The shopping cart. Signed in, it lives in the API (GET/PUT /api/cart, the whole cart on every
 * change); signed out, in localStorage, and it is merged into the customer's cart at sign-in.
 * Changes show at once and are undone, with a message, when the API refuses them.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState } from 'react';
import type { MutableRefObject, ReactNode } from 'react';
import { errorMessage } from './api';
import type { Api } from './api';
import { useApi, useAuth } from './app-context';
import type { AuthState } from './app-context';
import { addItem, mergeCarts, readLocal, removeItem, setItemQuantity, writeLocal } from './cart-store';
import { ORDER_LIMITS } from './contracts';
import type { OrderItem } from './contracts';
import { useTrack } from './track';

export { mergeCarts } from './cart-store';

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

type Show = (next: readonly OrderItem[]) => void;
type SetError = (error: string | null) => void;

/** The items on screen, also in a ref so a change is based on the latest list. */
function useShownItems(): [readonly OrderItem[], MutableRefObject<readonly OrderItem[]>, Show] {
  const [items, setItems] = useState<readonly OrderItem[]>([]);
  const itemsRef = useRef(items);
  const show = useCallback((next: readonly OrderItem[]) => {
    itemsRef.current = next;
    setItems(next);
  }, []);
  return [items, itemsRef, show];
}

/** Reads the cart when the sign-in state is known (and again on `generation`); true once read. */
function useCartLoader(api: Api, auth: AuthState['status'], generation: number, show: Show, setError: SetError) {
  const [ready, setReady] = useState(false);
  useEffect(() => {
    if (auth === 'loading') return;
    if (auth !== 'signedIn') {
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
  }, [api, auth, generation, show, setError]);
  return ready;
}

/** Shows a new list at once and saves it; undoes it, with a message, when the API refuses it. */
function useCommit(api: Api, signedIn: boolean, itemsRef: MutableRefObject<readonly OrderItem[]>, show: Show) {
  const [saving, setSaving] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const queue = useRef<Promise<unknown>>(Promise.resolve());
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
    [api, signedIn, itemsRef, show],
  );
  return { commit, saving: saving > 0, error, setError };
}

export function CartProvider({ children }: { children: ReactNode }) {
  const api = useApi();
  const { state: auth } = useAuth();
  const track = useTrack();
  const [items, itemsRef, show] = useShownItems();
  const { commit, saving, error, setError } = useCommit(api, auth.status === 'signedIn', itemsRef, show);
  const [generation, setGeneration] = useState(0);
  const ready = useCartLoader(api, auth.status, generation, show, setError);

  const value = useMemo<CartContextValue>(() => {
    const current = () => itemsRef.current;
    return {
      items,
      ready,
      saving,
      error,
      add(productId, quantity) {
        const next = addItem(current(), productId, quantity);
        if (next)
          return commit(next).then((ok) => {
            if (ok) track('added_to_cart', [productId]);
            return ok;
          });
        setError(`Your cart can hold at most ${ORDER_LIMITS.maxItems} different products.`);
        return Promise.resolve(false);
      },
      setQuantity: (productId, quantity) => commit(setItemQuantity(current(), productId, quantity)),
      remove: (productId) => commit(removeItem(current(), productId)),
      clear: () => commit([]),
      reload: () => setGeneration((g) => g + 1),
      dismissError: () => setError(null),
    };
  }, [items, itemsRef, ready, saving, error, commit, setError, track]);

  return <CartContext.Provider value={value}>{children}</CartContext.Provider>;
}
