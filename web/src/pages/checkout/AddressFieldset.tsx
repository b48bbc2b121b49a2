import { useMemo } from 'react';
import type { Dispatch, SetStateAction } from 'react';
import { ADDRESS_FIELDS, FIELD_LABELS, countryOptions, rememberCountry } from '../../checkout';
import { customerLocales } from '../../money';
import type { AddressField, AddressForm, FieldErrors } from '../../checkout';

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
};

interface AddressFieldsetProps {
  readonly form: AddressForm;
  readonly setForm: Dispatch<SetStateAction<AddressForm>>;
  readonly errors: FieldErrors;
}

/** The shipping address: one labelled input per field, its hint and its error tied by aria-describedby. */
export function AddressFieldset({ form, setForm, errors }: AddressFieldsetProps) {
  return (
    <fieldset>
      <legend>Shipping address</legend>
      {ADDRESS_FIELDS.map((field) => (
        <AddressInput
          key={field}
          field={field}
          value={form[field]}
          error={errors[field]}
          onChange={(value) => {
            if (field === 'country') rememberCountry(value);
            setForm((f) => ({ ...f, [field]: value }));
          }}
        />
      ))}
    </fieldset>
  );
}

interface AddressInputProps {
  readonly field: AddressField;
  readonly value: string;
  readonly error: string | undefined;
  readonly onChange: (value: string) => void;
}

function AddressInput({ field, value, error, onChange }: AddressInputProps) {
  const errorId = `${field}-error`;
  const hintId = `${field}-hint`;
  const describedBy = [HINTS[field] ? hintId : '', error ? errorId : ''].filter(Boolean).join(' ');
  return (
    <div className={error ? 'field field--error' : 'field'}>
      <label htmlFor={field}>
        {FIELD_LABELS[field]}
        {field === 'line2' ? ' (optional)' : ''}
      </label>
      {HINTS[field] && (
        <p id={hintId} className="field__hint">
          {HINTS[field]}
        </p>
      )}
      {error && (
        <p id={errorId} className="field__error">
          {error}
        </p>
      )}
      {field === 'country' ? (
        <CountrySelect value={value} error={error} describedBy={describedBy} onChange={onChange} />
      ) : (
        <input
          id={field}
          name={field}
          type="text"
          autoComplete={AUTOCOMPLETE[field]}
          required={field !== 'line2'}
          aria-invalid={error ? true : undefined}
          aria-describedby={describedBy || undefined}
          value={value}
          onChange={(e) => onChange(e.target.value)}
        />
      )}
    </div>
  );
}

interface CountrySelectProps {
  readonly value: string;
  readonly error: string | undefined;
  readonly describedBy: string;
  readonly onChange: (value: string) => void;
}

/** Every ISO 3166-1 country, named in the customer's language; the value is the two-letter code. */
function CountrySelect({ value, error, describedBy, onChange }: CountrySelectProps) {
  const options = useMemo(() => countryOptions(customerLocales()), []);
  return (
    <select
      id="country"
      name="country"
      autoComplete={AUTOCOMPLETE.country}
      required
      aria-invalid={error ? true : undefined}
      aria-describedby={describedBy || undefined}
      value={value}
      onChange={(e) => onChange(e.target.value)}
    >
      <option value="">Choose a country</option>
      {options.map(({ code, name }) => (
        <option key={code} value={code}>
          {name}
        </option>
      ))}
    </select>
  );
}
