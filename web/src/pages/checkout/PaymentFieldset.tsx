import { TEST_CARDS } from '../../checkout';

/** The payment step: only the simulated provider's test cards, labelled as what they are. */
export function PaymentFieldset({
  token,
  setToken,
  error,
}: {
  token: string;
  setToken: (token: string) => void;
  error: string | undefined;
}) {
  return (
    <fieldset className="payment" aria-describedby="payment-note">
      <legend>
        Payment <span className="test-badge">TEST MODE</span>
      </legend>
      <p id="payment-note" className="field__hint">
        This store uses a simulated payment provider. Choose a test card: no real card details are asked for and nothing
        is charged.
      </p>
      {error && <p className="field__error">{error}</p>}
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
  );
}
