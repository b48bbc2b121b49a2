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
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import type { Socket as UdpSocket } from 'node:dgram';
import { createConnection } from 'node:net';
import type { Socket } from 'node:net';
import { CHECKOUT_METRIC_DIMENSIONS, CHECKOUT_SERVICE_NAME } from '@securecart/contracts/metrics';
import type { TraceContext } from '@securecart/contracts/tracing';

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

/** What the Api stack sets on the service's container for the CloudWatch agent sidecar. */
export const AGENT_ENV = {
  /** `tcp://127.0.0.1:25888`: the agent's EMF listener (the containers of a task share localhost). */
  endpoint: 'AWS_EMF_AGENT_ENDPOINT',
  /** The log group the agent writes the EMF documents to (created, encrypted, by the stack). */
  logGroupName: 'AWS_EMF_LOG_GROUP_NAME',
} as const;

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

/**
 * Newline-delimited EMF documents to the CloudWatch agent over TCP. Connects on first use; queues
 * lines (bounded) while not connected and reconnects after a failure; never blocks or throws into
 * the caller. The socket is unref'd, so it never keeps the process alive.
 */
export function agentSink(options: AgentSinkOptions): AgentSink {
  const { host, port } = parseAgentEndpoint(options.endpoint);
  const maxQueued = options.maxQueuedLines ?? 10_000;
  const retryDelayMs = options.retryDelayMs ?? 1000;
  let socket: Socket | undefined;
  let connected = false;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  let dropped = 0;
  const queue: string[] = [];

  const flush = () => {
    while (connected && socket && queue.length) socket.write(`${queue.shift()}\n`);
  };
  const connect = () => {
    if (socket || retry || closed) return;
    const s = createConnection({ host, port });
    socket = s;
    s.unref();
    s.setNoDelay(true);
    s.on('connect', () => {
      connected = true;
      flush();
    });
    s.on('error', (error) => options.onError?.(error));
    s.on('close', () => {
      socket = undefined;
      connected = false;
      if (closed || queue.length === 0) return;
      retry = setTimeout(() => {
        retry = undefined;
        connect();
      }, retryDelayMs);
      retry.unref();
    });
  };

  const sink = ((line: string) => {
    if (closed) return;
    queue.push(withLogGroup(line, options.logGroupName));
    if (queue.length > maxQueued) {
      queue.shift();
      dropped++;
    }
    if (connected) flush();
    else connect();
  }) as AgentSink;
  Object.assign(sink, {
    dropped: () => dropped,
    close: () =>
      new Promise<void>((resolve) => {
        closed = true;
        if (retry) clearTimeout(retry);
        if (!socket) return resolve();
        flush();
        socket.end(() => resolve());
        socket.once('close', () => resolve());
      }),
  });
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

// --- X-Ray segments ----------------------------------------------------------------------------

/**
 * One order, one trace. API Gateway (stage tracing) sends `X-Amzn-Trace-Id` to the service, which
 * records a segment for the request and keeps the trace header with the order's outbox row; the
 * relay sends the order with that header (AWSTraceHeader, parent: a segment for the send);
 * start-fulfillment starts the execution with it; Step Functions publishes each status with it,
 * SNS passes it on to the order-status queue, and the consumer records a segment for applying it.
 * Segments go to the agent's X-Ray listener (UDP, the daemon protocol: no SDK, no API call).
 */
export const XRAY_ENV = {
  /** `127.0.0.1:2000` (or the daemon's `udp:host:port tcp:host:port` form). */
  daemonAddress: 'AWS_XRAY_DAEMON_ADDRESS',
} as const;

export type SegmentSink = (segment: Record<string, unknown>) => void;

/** The fields every segment of this service has. */
export function segment(
  trace: TraceContext,
  id: string,
  startTime: number,
  fields: Record<string, unknown>,
): Record<string, unknown> {
  return {
    name: SERVICE_NAME,
    id,
    trace_id: trace.traceId,
    ...(trace.parentId ? { parent_id: trace.parentId } : {}),
    start_time: startTime,
    end_time: Date.now() / 1000,
    origin: 'AWS::ECS::Container',
    ...fields,
  };
}

const XRAY_DAEMON_HEADER = '{"format":"json","version":1}\n';

/** Parses `host:port` or the daemon's `udp:host:port tcp:host:port` form (the UDP address is used). */
export function parseDaemonAddress(address: string): { host: string; port: number } {
  const udp = address.split(/\s+/).find((part) => part.startsWith('udp:'));
  const hostPort = (udp ?? address).replace(/^udp:/, '').trim();
  const match = /^([^:\s]+):(\d{1,5})$/.exec(hostPort);
  const port = Number(match?.[2]);
  if (!match || !(port > 0 && port < 65536)) {
    throw new Error(`${XRAY_ENV.daemonAddress} must look like 127.0.0.1:2000 (got ${address})`);
  }
  return { host: match[1], port };
}

/** Segment documents to an X-Ray daemon (or the CloudWatch agent's X-Ray listener) over UDP. */
export function xrayDaemonSink(address: string): SegmentSink {
  const { host, port } = parseDaemonAddress(address);
  let socket: UdpSocket | undefined;
  return (segment) => {
    if (!socket) {
      socket = createSocket('udp4');
      socket.on('error', () => undefined); // a lost segment must never affect the service
      socket.unref();
    }
    socket.send(`${XRAY_DAEMON_HEADER}${JSON.stringify(segment)}`, port, host, () => undefined);
  };
}

/** The daemon sink when XRAY_ENV.daemonAddress is set (the deployed task); otherwise none. */
export function segmentSinkFromEnv(env: Record<string, string | undefined> = process.env): SegmentSink | undefined {
  const address = env[XRAY_ENV.daemonAddress];
  return address ? xrayDaemonSink(address) : undefined;
}

/** A new 16-hex-digit segment id. */
export function newSegmentId(): string {
  return randomBytes(8).toString('hex');
}
