/**
 * CloudWatch embedded metric format (EMF): one JSON document per flush (namespace
 * METRICS_NAMESPACE, default 'SecureCart'; dimension Service), and where the documents go.
 *
 * On ECS the task's awslogs driver stores stdout as plain log events: CloudWatch does not extract
 * EMF from them. The task therefore runs the CloudWatch agent as a sidecar listening for EMF on
 * TCP 25888 (lib/constructs/api/telemetry-sidecar.ts sets AWS_EMF_AGENT_ENDPOINT and
 * AWS_EMF_LOG_GROUP_NAME), and `defaultSink` sends there; without the variables (local runs) it
 * writes to stdout. See docs/adr/0015-monitoring.md.
 */
import { createConnection } from 'node:net';
import type { Socket } from 'node:net';
import { AGENT_ENV } from '@securecart/contracts/env';
import { CHECKOUT_METRIC_DIMENSIONS, CHECKOUT_SERVICE_NAME } from '@securecart/contracts/metrics';

export type MetricsSink = (line: string) => void;

export const SERVICE_NAME = CHECKOUT_SERVICE_NAME;

export interface MetricValue {
  readonly name: string;
  readonly unit: 'Seconds' | 'Count' | 'Milliseconds';
  readonly value: number;
}

/** Extra dimensions (besides Service) and the dimension sets to publish; every set starts with Service. */
export interface EmfDimensions {
  readonly values: Readonly<Record<string, string>>;
  /** e.g. [[], ['Status']] publishes [Service] and [Service, Status]. @default [[]] */
  readonly sets?: readonly (readonly string[])[];
}

export function emfLine(
  namespace: string,
  metrics: MetricValue[],
  timestamp = Date.now(),
  dimensions: EmfDimensions = { values: {} },
): string {
  const service = CHECKOUT_METRIC_DIMENSIONS.service;
  const sets = (dimensions.sets ?? [[]]).map((set) => [service, ...set]);
  const document: Record<string, unknown> = {
    _aws: {
      Timestamp: timestamp,
      CloudWatchMetrics: [
        {
          Namespace: namespace,
          Dimensions: sets,
          Metrics: metrics.map((m) => ({ Name: m.name, Unit: m.unit })),
        },
      ],
    },
    [service]: SERVICE_NAME,
    ...dimensions.values,
  };
  for (const m of metrics) document[m.name] = m.value;
  return JSON.stringify(document);
}

export const writeToStdout: MetricsSink = (line) => {
  process.stdout.write(`${line}\n`);
};

export interface AgentSinkOptions {
  /** `tcp://host:port`. */
  readonly endpoint: string;
  /** Set as `_aws.LogGroupName` on every document: the agent writes it there (not to emf/logs/default). */
  readonly logGroupName?: string;
  /** Lines kept while the agent is not connected (it starts next to the service); older ones are dropped. */
  readonly maxQueuedLines?: number;
  /** Pause before reconnecting after the connection failed or closed. @default 1000 */
  readonly retryDelayMs?: number;
  /** Told about connection errors (never thrown: metrics must not take the service down). */
  readonly onError?: (error: Error) => void;
}

export interface AgentSink extends MetricsSink {
  /** Lines dropped because the queue was full (the agent was unreachable for long). */
  readonly dropped: () => number;
  /** Sends what is queued (when connected) and closes the connection. */
  close(): Promise<void>;
}

/** Parses `tcp://host:port`; throws for anything else. */
export function parseAgentEndpoint(endpoint: string): { host: string; port: number } {
  const match = /^tcp:\/\/([^:/]+|\[[^\]]+\]):(\d{1,5})\/?$/.exec(endpoint.trim());
  const port = Number(match?.[2]);
  if (!match || !(port > 0 && port < 65536)) {
    throw new Error(`${AGENT_ENV.endpoint} must look like tcp://127.0.0.1:25888 (got ${endpoint})`);
  }
  return { host: match[1].replace(/^\[|\]$/g, ''), port };
}

/** Routes a document to `logGroupName` (the agent reads `_aws.LogGroupName`); anything not EMF passes as is. */
function withLogGroup(line: string, logGroupName: string | undefined): string {
  if (!logGroupName) return line;
  try {
    const document = JSON.parse(line) as { _aws?: Record<string, unknown> };
    if (!document || typeof document._aws !== 'object' || document._aws === null) return line;
    document._aws.LogGroupName = logGroupName;
    return JSON.stringify(document);
  } catch {
    return line;
  }
}

/** The connection to the agent: a bounded queue of lines, sent while connected, reconnecting after a failure. */
class AgentConnection {
  private socket: Socket | undefined;
  private connected = false;
  private closed = false;
  private retry: NodeJS.Timeout | undefined;
  private readonly queue: string[] = [];
  dropped = 0;

  constructor(
    private readonly address: { host: string; port: number },
    private readonly maxQueued: number,
    private readonly retryDelayMs: number,
    private readonly onError: ((error: Error) => void) | undefined,
  ) {}

  send(line: string): void {
    if (this.closed) return;
    this.queue.push(line);
    if (this.queue.length > this.maxQueued) {
      this.queue.shift();
      this.dropped++;
    }
    if (this.connected) this.flush();
    else this.connect();
  }

  close(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.closed = true;
      if (this.retry) clearTimeout(this.retry);
      const socket = this.socket;
      if (!socket) return resolve();
      this.flush();
      socket.end(() => resolve());
      socket.once('close', () => resolve());
    });
  }

  private flush(): void {
    while (this.connected && this.socket && this.queue.length) this.socket.write(`${this.queue.shift()}\n`);
  }

  private connect(): void {
    if (this.socket || this.retry || this.closed) return;
    const s = createConnection(this.address);
    this.socket = s;
    s.unref();
    s.setNoDelay(true);
    s.on('connect', () => {
      this.connected = true;
      this.flush();
    });
    s.on('error', (error) => this.onError?.(error));
    s.on('close', () => this.reconnectLater());
  }

  private reconnectLater(): void {
    this.socket = undefined;
    this.connected = false;
    if (this.closed || this.queue.length === 0) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.connect();
    }, this.retryDelayMs);
    this.retry.unref();
  }
}

/**
 * Newline-delimited EMF documents to the CloudWatch agent over TCP. Connects on first use; queues
 * lines (bounded) while not connected and reconnects after a failure; never blocks or throws into
 * the caller. The socket is unref'd, so it never keeps the process alive.
 */
export function agentSink(options: AgentSinkOptions): AgentSink {
  const connection = new AgentConnection(
    parseAgentEndpoint(options.endpoint),
    options.maxQueuedLines ?? 10_000,
    options.retryDelayMs ?? 1000,
    options.onError,
  );
  const sink = ((line: string) => connection.send(withLogGroup(line, options.logGroupName))) as AgentSink;
  Object.assign(sink, { dropped: () => connection.dropped, close: () => connection.close() });
  return sink;
}

/**
 * The sink for this process: the CloudWatch agent when AGENT_ENV.endpoint is set (the deployed
 * task), otherwise stdout. Chosen once, on first use.
 */
export function sinkFromEnv(env: Record<string, string | undefined> = process.env): MetricsSink {
  const endpoint = env[AGENT_ENV.endpoint];
  if (!endpoint) return writeToStdout;
  return agentSink({
    endpoint,
    logGroupName: env[AGENT_ENV.logGroupName],
    onError: (error) => process.stderr.write(`EMF: CloudWatch agent at ${endpoint} unreachable: ${error.message}\n`),
  });
}

let processSink: MetricsSink | undefined;

/** Where this process's EMF lines go (see sinkFromEnv). */
export const defaultSink: MetricsSink = (line) => {
  processSink ??= sinkFromEnv();
  processSink(line);
};
