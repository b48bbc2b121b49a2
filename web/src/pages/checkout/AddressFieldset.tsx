import type { Dispatch, SetStateAction } from 'react';
import { ADDRESS_FIELDS, FIELD_LABELS } from '../../checkout';
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
  country: 'Two letters, for example US, CA or DE.',
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
          onChange={(value) => setForm((f) => ({ ...f, [field]: value }))}
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
      <input
        id={field}
        name={field}
        type="text"
        autoComplete={AUTOCOMPLETE[field]}
        required={field !== 'line2'}
        maxLength={field === 'country' ? 2 : undefined}
        className={field === 'country' ? 'input--short' : undefined}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy || undefined}
        value={value}
        onChange={(e) => onChange(e.target.value)}
      />
    </div>
  );
}
