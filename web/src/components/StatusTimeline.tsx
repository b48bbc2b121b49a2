import type { StatusEntry } from '../contracts';
import { formatDateTime } from '../money';
import { reasonText, statusLabel } from '../status-text';

/** The statuses an order went through, oldest first. */
export function StatusTimeline({ history }: { history: readonly StatusEntry[] }) {
  if (!history.length) return <p>No status updates yet.</p>;
  return (
    <ol className="timeline" aria-label="Order timeline">
      {history.map((entry) => (
        <li key={`${entry.status}-${entry.occurredAt}`} className={`timeline__item timeline__item--${entry.status}`}>
          <span className="timeline__status">{statusLabel(entry.status)}</span>{' '}
          <time className="timeline__time" dateTime={entry.occurredAt}>
            {formatDateTime(entry.occurredAt)}
          </time>
          {reasonText(entry.reason) && <p className="timeline__reason">{reasonText(entry.reason)}</p>}
        </li>
      ))}
    </ol>
  );
}

/** A status as a badge; the text carries the meaning, the colour only repeats it. */
export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge badge--${status}`}>{statusLabel(status)}</span>;
}
