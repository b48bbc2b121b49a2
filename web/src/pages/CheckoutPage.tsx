import { useCallback, useEffect, useRef, useState } from 'react';
import { Link } from 'react-router';
import { useApi } from '../app-context';
import { useCart } from '../cart';
import { EMPTY_ADDRESS, TEST_CARDS, checkDetails, rememberedCountry } from '../checkout';
import type { AddressForm, FieldErrors } from '../checkout';
import type { ProductView } from '../contracts';
import { ErrorMessage } from '../components/ErrorMessage';
import { Spinner } from '../components/Spinner';
import { formatCents } from '../money';
import { useAsync, usePageTitle } from '../hooks';
import { priceCart } from './CartPage';
import { AddressFieldset } from './checkout/AddressFieldset';
import { ErrorSummary } from './checkout/ErrorSummary';
import { OrderSummary } from './checkout/OrderSummary';
import { PaymentFieldset } from './checkout/PaymentFieldset';
import { usePlaceOrder } from './checkout/usePlaceOrder';
import { useTrack } from '../track';

export default function CheckoutPage() {
  usePageTitle('Checkout');
  const api = useApi();
  const cart = useCart();
  const [products, reload] = useAsync(useCallback((signal: AbortSignal) => api.listProducts(signal), [api]));

  if (!cart.ready) return <Spinner label="Loading your cart…" />;
  if (!cart.items.length) {
    return (
      <section>
        <h1>Checkout</h1>
        <p>
          Your cart is empty. <Link to="/">Browse the catalog</Link>.
        </p>
      </section>
    );
  }
  if (products.status === 'loading') return <Spinner label="Loading prices…" />;
  if (products.status === 'error') {
    return (
      <section>
        <h1>Checkout</h1>
        <ErrorMessage title="We could not load the prices." error={products.error} onRetry={reload} />
      </section>
    );
  }
  return <CheckoutForm products={products.data} />;
}

/** The field errors, and the summary that takes focus when they are shown. */
function useFieldErrors() {
  const [errors, setErrors] = useState<FieldErrors>({});
  const summary = useRef<HTMLDivElement>(null);
  const showErrors = useCallback((next: FieldErrors) => {
    setErrors(next);
    // Let the summary render, then move focus to it so it is read out.
    setTimeout(() => summary.current?.focus(), 0);
  }, []);
  return { errors, setErrors, showErrors, summary };
}

/** Records checkout_started once per visit of the form, with the cart's products then. */
function useCheckoutStarted(productIds: readonly string[]) {
  const track = useTrack();
  const recorded = useRef(false);
  useEffect(() => {
    if (recorded.current) return;
    recorded.current = true;
    track('checkout_started', productIds);
  }, [track, productIds]);
}

function CheckoutForm({ products }: { products: readonly ProductView[] }) {
  const cart = useCart();
  const [form, setForm] = useState<AddressForm>(() => ({ ...EMPTY_ADDRESS, country: rememberedCountry() }));
  const [token, setToken] = useState<string>(TEST_CARDS[0].token);
  const { errors, setErrors, showErrors, summary } = useFieldErrors();
  const { submitting, submitError, setSubmitError, place } = usePlaceOrder(showErrors);
  const { lines, unavailable, totalCents } = priceCart(cart.items, products);
  useCheckoutStarted(cart.items.map((i) => i.productId));

  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    if (submitting) return;
    setSubmitError(null);
    const details = checkDetails(form, token);
    if (!details.ok) return showErrors(details.errors);
    setErrors({});
    if (unavailable.length) {
      return setSubmitError({
        title: 'Some products are no longer available.',
        error: 'Remove them from your cart, then check out again.',
      });
    }
    await place({
      items: cart.items.map((i) => ({ productId: i.productId, quantity: i.quantity })),
      shippingAddress: details.address,
      payment: { token },
      clientTotalCents: totalCents,
    });
  };

  return (
    <section aria-labelledby="checkout-title" className="checkout">
      <h1 id="checkout-title">Checkout</h1>
      <ErrorSummary errors={errors} ref={summary} />
      <div className="checkout__layout">
        <form className="checkout__form" noValidate onSubmit={(e) => void submit(e)} aria-describedby="checkout-note">
          <AddressFieldset form={form} setForm={setForm} errors={errors} />
          <PaymentFieldset token={token} setToken={setToken} error={errors.payment} />
          <p id="checkout-note" className="field__hint">
            Prices are confirmed by the store when the order is processed.
          </p>
          {submitError && <ErrorMessage title={submitError.title} error={submitError.error} />}
          <button type="submit" className="button button--primary" disabled={submitting} aria-busy={submitting}>
            Place order ({formatCents(totalCents)})
          </button>
          {submitting && <Spinner label="Placing your order…" inline />}
        </form>
        <OrderSummary lines={lines} totalCents={totalCents} />
      </div>
    </section>
  );
}
