/**
 * POST /api/orders for the checkout form: one attempt (one Idempotency-Key) per order body, kept
 * across retries and reloads, and every failure in words.
 */
import { useRef, useState } from 'react';
import { useNavigate } from 'react-router';
import { ApiError, errorMessage } from '../../api';
import { useApi } from '../../app-context';
import { useCart } from '../../cart';
import { attemptFor, attemptStore, fieldErrorsFromProblems } from '../../checkout';
import type { CheckoutAttempt, FieldErrors } from '../../checkout';
import type { CreateOrderBody } from '../../contracts';
import { useTrack } from '../../track';

export interface SubmitError {
  readonly title: string;
  readonly error: unknown;
}

interface Failure {
  readonly submitError: SubmitError;
  /** Messages for the fields a 400 names. */
  readonly fieldErrors?: FieldErrors;
  /** The attempt's key belongs to another body (409): the next attempt gets a new key. */
  readonly discardAttempt?: boolean;
}

/** What a failed POST /api/orders means for the customer. */
export function failureOf(error: unknown): Failure {
  if (!(error instanceof ApiError)) return { submitError: { title: 'Your order was not placed.', error } };
  if (error.status === 400) {
    return {
      fieldErrors: fieldErrorsFromProblems(error.problems),
      submitError: { title: 'The store did not accept the order.', error },
    };
  }
  if (error.status === 409) {
    return {
      discardAttempt: true,
      submitError: {
        title: 'This checkout attempt was already used with different details.',
        error: 'Check your order and place it again.',
      },
    };
  }
  if (error.status === 413 || error.status === 401)
    return { submitError: { title: 'Your order was not placed.', error } };
  return {
    submitError: {
      title: 'We could not confirm your order.',
      error: `${errorMessage(error)} Placing it again is safe: you will not be charged twice.`,
    },
  };
}

/** Places the order; on success empties the cart and goes to the order's status page. */
export function usePlaceOrder(showErrors: (errors: FieldErrors) => void) {
  const api = useApi();
  const cart = useCart();
  const navigate = useNavigate();
  const track = useTrack();
  const [submitError, setSubmitError] = useState<SubmitError | null>(null);
  const [submitting, setSubmitting] = useState(false);
  const attempt = useRef<CheckoutAttempt | null>(attemptStore.load());

  const place = async (body: CreateOrderBody) => {
    const current = attemptFor(attempt.current, body);
    attempt.current = current;
    attemptStore.save(current);
    setSubmitting(true);
    try {
      const accepted = await api.createOrder(body, current.key);
      track(
        'order_placed',
        body.items.map((i) => i.productId),
      );
      attempt.current = null;
      attemptStore.clear();
      await cart.clear();
      navigate(`/orders/${encodeURIComponent(accepted.orderId)}`, { state: { placed: true } });
    } catch (error) {
      setSubmitting(false);
      const failure = failureOf(error);
      if (failure.discardAttempt) {
        attempt.current = null;
        attemptStore.clear();
      }
      if (failure.fieldErrors && Object.keys(failure.fieldErrors).length) showErrors(failure.fieldErrors);
      setSubmitError(failure.submitError);
    }
  };

  return { submitting, submitError, setSubmitError, place };
}
