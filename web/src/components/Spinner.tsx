/** Progress for anything slow: a live status with a visible label, e.g. "Loading products…". */
export function Spinner({ label, inline = false }: { label: string; inline?: boolean }) {
  return (
    <div role="status" className={inline ? 'spinner spinner--inline' : 'spinner'}>
      <span className="spinner__icon" aria-hidden="true" />
      <span className="spinner__label">{label}</span>
    </div>
  );
}
