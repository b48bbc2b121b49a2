import { useCallback, useRef, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { ApiError, errorMessage } from '../api';
import type { CreateOrderBody, Product } from '../api';
import { useApi } from '../app-context';
import { useCart } from '../cart';
import {
  ADDRESS_FIELDS,
  EMPTY_ADDRESS,
  FIELD_LABELS,
  TEST_CARDS,
  attemptFor,
  attemptStore,
  fieldErrorsFromProblems,
  validateAddress,
} from '../checkout';
import type { AddressField, AddressForm, CheckoutAttempt, FieldErrors } from '../checkout';
import { ErrorMessage } from '../components/ErrorMessage';
import { Spinner } from '../components/Spinner';
import { PAYMENT_TOKEN_PATTERN } from '../contracts';
import { formatCents } from '../money';
import { useAsync, usePageTitle } from '../hooks';
import { priceCart } from './CartPage';

const AUTOCOMPLETE: Record<AddressField, string> = {
  name: 'shipping name',
  line1: 'shipping address-line1',
  line2: 'shipping address-line2',
  city: 'shipping address-level2',
  postalCode: 'shipping postal-code',
  country: 'shipping country',
};

const HINTS: Partial<Record<AddressField, string>> = {
  line2: 'Optional: apartment, suite, floor.',
  country: 'Two letters, for example US, CA or DE.',
};

interface SubmitError {
  readonly title: string;
  readonly error: unknown;
}

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

function CheckoutForm({ products }: { products: readonly Product[] }) {
  const api = useApi();
  const cart = useCart();
  const navigate = useNavigate();
  const [form, setForm] = useState<AddressForm>(EMPTY_ADDRESS);
  const [token, setToken] = useState<string>(TEST_CARDS[0].token);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [submitError, setSubmitError] = useState<SubmitError | null>(null);
  const [submitting, setSubmitting] = useState(false);
  const attempt = useRef<CheckoutAttempt | null>(attemptStore.load());
  const summary = useRef<HTMLDivElement>(null);
  const { lines, unavailable, totalCents } = priceCart(cart.items, products);

  const showErrors = (next: FieldErrors) => {
    setErrors(next);
    // Let the summary render, then move focus to it so it is read out.
    setTimeout(() => summary.current?.focus(), 0);
  };

  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    if (submitting) return;
    setSubmitError(null);
    const validation = validateAddress(form);
    const paymentError = PAYMENT_TOKEN_PATTERN.test(token) ? undefined : 'Payment: choose a test card.';
    if (!validation.ok || paymentError) {
      showErrors({ ...(validation.ok ? {} : validation.errors), ...(paymentError ? { payment: paymentError } : {}) });
      return;
    }
    setErrors({});
    if (unavailable.length) {
      setSubmitError({
        title: 'Some products are no longer available.',
        error: 'Remove them from your cart, then check out again.',
      });
      return;
    }

    const body: CreateOrderBody = {
      items: cart.items.map((i) => ({ productId: i.productId, quantity: i.quantity })),
      shippingAddress: validation.address,
      payment: { token },
      clientTotalCents: totalCents,
    };
    const current = attemptFor(attempt.current, body);
    attempt.current = current;
    attemptStore.save(current);
    setSubmitting(true);
    try {
      const accepted = await api.createOrder(body, current.key);
      attempt.current = null;
      attemptStore.clear();
      await cart.clear();
      navigate(`/orders/${encodeURIComponent(accepted.orderId)}`, { state: { placed: true } });
    } catch (error) {
      setSubmitting(false);
      if (!(error instanceof ApiError)) {
        setSubmitError({ title: 'Your order was not placed.', error });
      } else if (error.status === 400) {
        const fieldErrors = fieldErrorsFromProblems(error.problems);
        if (Object.keys(fieldErrors).length) showErrors(fieldErrors);
        setSubmitError({ title: 'The store did not accept the order.', error });
      } else if (error.status === 409) {
        // This key belongs to another body: the next attempt gets a new key.
        attempt.current = null;
        attemptStore.clear();
        setSubmitError({
          title: 'This checkout attempt was already used with different details.',
          error: 'Check your order and place it again.',
        });
      } else if (error.status === 413 || error.status === 401) {
        setSubmitError({ title: 'Your order was not placed.', error });
      } else {
        setSubmitError({
          title: 'We could not confirm your order.',
          error: `${errorMessage(error)} Placing it again is safe: you will not be charged twice.`,
        });
      }
    }
  };

  const errorList = Object.entries(errors) as [AddressField | 'payment', string][];

  return (
    <section aria-labelledby="checkout-title" className="checkout">
      <h1 id="checkout-title">Checkout</h1>

      {errorList.length > 0 && (
        <div ref={summary} tabIndex={-1} role="alert" className="alert alert--error error-summary">
          <h2>There is a problem with your details</h2>
          <ul>
            {errorList.map(([field, message]) => (
              <li key={field}>
                <a
                  href={`#${field === 'payment' ? 'payment-0' : field}`}
                  onClick={(e) => {
                    e.preventDefault();
                    document.getElementById(field === 'payment' ? 'payment-0' : field)?.focus();
                  }}
                >
                  {message}
                </a>
              </li>
            ))}
          </ul>
        </div>
      )}

      <div className="checkout__layout">
        <form className="checkout__form" noValidate onSubmit={(e) => void submit(e)} aria-describedby="checkout-note">
          <fieldset>
            <legend>Shipping address</legend>
            {ADDRESS_FIELDS.map((field) => {
              const errorId = `${field}-error`;
              const hintId = `${field}-hint`;
              const describedBy = [HINTS[field] ? hintId : '', errors[field] ? errorId : ''].filter(Boolean).join(' ');
              return (
                <div key={field} className={errors[field] ? 'field field--error' : 'field'}>
                  <label htmlFor={field}>
                    {FIELD_LABELS[field]}
                    {field === 'line2' ? ' (optional)' : ''}
                  </label>
                  {HINTS[field] && (
                    <p id={hintId} className="field__hint">
                      {HINTS[field]}
                    </p>
                  )}
                  {errors[field] && (
                    <p id={errorId} className="field__error">
                      {errors[field]}
                    </p>
                  )}
                  <input
                    id={field}
                    name={field}
                    type="text"
                    autoComplete={AUTOCOMPLETE[field]}
                    required={field !== 'line2'}
                    maxLength={field === 'country' ? 2 : undefined}
                    className={field === 'country' ? 'input--short' : undefined}
                    aria-invalid={errors[field] ? true : undefined}
                    aria-describedby={describedBy || undefined}
                    value={form[field]}
                    onChange={(e) => setForm((f) => ({ ...f, [field]: e.target.value }))}
                  />
                </div>
              );
            })}
          </fieldset>

          <fieldset className="payment" aria-describedby="payment-note">
            <legend>
              Payment <span className="test-badge">TEST MODE</span>
            </legend>
            <p id="payment-note" className="field__hint">
              This store uses a simulated payment provider. Choose a test card: no real card details are asked for and
              nothing is charged.
            </p>
            {errors.payment && <p className="field__error">{errors.payment}</p>}
            {TEST_CARDS.map((card, index) => (
              <div key={card.token} className="radio">
                <input
                  id={`payment-${index}`}
                  type="radio"
                  name="payment"
                  value={card.token}
                  checked={token === card.token}
                  onChange={() => setToken(card.token)}
                />
                <label htmlFor={`payment-${index}`}>
                  {card.label} <code>{card.token}</code>
                </label>
              </div>
            ))}
          </fieldset>

          <p id="checkout-note" className="field__hint">
            Prices are confirmed by the store when the order is processed.
          </p>
          {submitError && <ErrorMessage title={submitError.title} error={submitError.error} />}
          <button type="submit" className="button button--primary" disabled={submitting} aria-busy={submitting}>
            Place order ({formatCents(totalCents)})
          </button>
          {submitting && <Spinner label="Placing your order…" inline />}
        </form>

        <aside className="checkout__summary" aria-labelledby="summary-title">
          <h2 id="summary-title">Order summary</h2>
          <ul className="summary-lines">
            {lines.map((line) => (
              <li key={line.productId}>
                <span>
                  {line.quantity} × {line.product?.name ?? line.productId}
                </span>
                <span>{line.product ? formatCents(line.product.priceCents * line.quantity) : 'unavailable'}</span>
              </li>
            ))}
          </ul>
          <p className="cart-total">
            Total: <strong>{formatCents(totalCents)}</strong>
          </p>
          <p>
            <Link to="/cart">Change your cart</Link>
          </p>
        </aside>
      </div>
    </section>
  );
}
