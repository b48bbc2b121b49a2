/**
 * X-Ray segments, sent without an SDK or an API call.
 *
 * One order, one trace. API Gateway (stage tracing) sends `X-Amzn-Trace-Id` to the service, which
 * records a segment for the request and keeps the trace header with the order's outbox row; the
 * relay sends the order with that header (AWSTraceHeader, parent: a segment for the send);
 * start-fulfillment starts the execution with it; Step Functions publishes each status with it,
 * SNS passes it on to the order-status queue, and the consumer records a segment for applying it.
 * Segments go to the agent's X-Ray listener (UDP, the daemon protocol).
 */
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import type { Socket as UdpSocket } from 'node:dgram';
import { XRAY_ENV } from '@securecart/contracts/env';
import { CHECKOUT_SERVICE_NAME } from '@securecart/contracts/metrics';
import type { TraceContext } from '@securecart/contracts/tracing';

export type SegmentSink = (segment: Record<string, unknown>) => void;

/** The fields every segment of this service has. */
export function segment(
  trace: TraceContext,
  id: string,
  startTime: number,
  fields: Record<string, unknown>,
): Record<string, unknown> {
  return {
    name: CHECKOUT_SERVICE_NAME,
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

/** Sends a segment; a failure is logged and never reaches the caller (tracing must not fail work). */
export function sendSegment(
  sink: SegmentSink,
  document: Record<string, unknown>,
  log: { warn(object: object, message: string): void },
): void {
  try {
    sink(document);
  } catch (error) {
    log.warn({ err: error }, 'Could not send the trace segment');
  }
}
