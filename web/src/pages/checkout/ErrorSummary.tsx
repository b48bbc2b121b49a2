import type { RefObject } from 'react';
import type { AddressField, FieldErrors } from '../../checkout';

/** The input a message links to: the field itself, or the first test card for the payment. */
const targetOf = (field: AddressField | 'payment') => (field === 'payment' ? 'payment-0' : field);

/** Every problem with the details, each a link to its field; takes focus when it appears (see CheckoutForm). */
export function ErrorSummary({ errors, ref }: { errors: FieldErrors; ref: RefObject<HTMLDivElement | null> }) {
  const errorList = Object.entries(errors) as [AddressField | 'payment', string][];
  if (!errorList.length) return null;
  return (
    <div ref={ref} tabIndex={-1} role="alert" className="alert alert--error error-summary">
      <h2>There is a problem with your details</h2>
      <ul>
        {errorList.map(([field, message]) => (
          <li key={field}>
            <a
              href={`#${targetOf(field)}`}
              onClick={(e) => {
                e.preventDefault();
                document.getElementById(targetOf(field))?.focus();
              }}
            >
              {message}
            </a>
          </li>
        ))}
      </ul>
    </div>
  );
}
