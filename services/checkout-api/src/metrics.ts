/**
 * CloudWatch embedded metric format (EMF): one JSON line per flush on stdout, which CloudWatch
 * turns into metrics (namespace METRICS_NAMESPACE, default 'SecureCart'; dimension Service).
 */
export type MetricsSink = (line: string) => void;

export const SERVICE_NAME = 'checkout-api';

export interface MetricValue {
  readonly name: string;
  readonly unit: 'Seconds' | 'Count' | 'Milliseconds';
  readonly value: number;
}

export function emfLine(namespace: string, metrics: MetricValue[], timestamp = Date.now()): string {
  const document: Record<string, unknown> = {
    _aws: {
      Timestamp: timestamp,
      CloudWatchMetrics: [
        {
          Namespace: namespace,
          Dimensions: [['Service']],
          Metrics: metrics.map((m) => ({ Name: m.name, Unit: m.unit })),
        },
      ],
    },
    Service: SERVICE_NAME,
  };
  for (const m of metrics) document[m.name] = m.value;
  return JSON.stringify(document);
}

export const stdoutSink: MetricsSink = (line) => {
  process.stdout.write(`${line}\n`);
};
