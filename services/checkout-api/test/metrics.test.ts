import { createSocket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { agentSink, emfLine, parseAgentEndpoint, sinkFromEnv, writeToStdout } from '../src/metrics';
import { parseDaemonAddress, segmentSinkFromEnv, xrayDaemonSink } from '../src/tracing';

/** A stand-in for the CloudWatch agent's EMF listener: collects newline-delimited lines. */
async function fakeAgent(port = 0): Promise<{ server: Server; port: number; lines: string[]; sockets: Socket[] }> {
  const lines: string[] = [];
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    let buffered = '';
    socket.on('data', (chunk) => {
      buffered += chunk.toString('utf8');
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      lines.push(...parts);
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, lines, sockets };
}

const until = async (check: () => boolean, ms = 3000) => {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(check()).toBe(true);
};

describe('emfLine', () => {
  test('defaults to the Service dimension alone', () => {
    const line = JSON.parse(emfLine('SecureCart', [{ name: 'OutboxLagSeconds', unit: 'Seconds', value: 1.5 }], 1000));
    expect(line).toEqual({
      _aws: {
        Timestamp: 1000,
        CloudWatchMetrics: [
          {
            Namespace: 'SecureCart',
            Dimensions: [['Service']],
            Metrics: [{ Name: 'OutboxLagSeconds', Unit: 'Seconds' }],
          },
        ],
      },
      Service: 'checkout-api',
      OutboxLagSeconds: 1.5,
    });
  });

  test('adds dimension values and sets, each set starting with Service', () => {
    const line = JSON.parse(
      emfLine('NS', [{ name: 'M', unit: 'Count', value: 1 }], 1, {
        values: { Status: 'FAILED', Reason: 'UNEXPECTED_ERROR' },
        sets: [['Status'], ['Status', 'Reason']],
      }),
    );
    expect(line._aws.CloudWatchMetrics[0].Dimensions).toEqual([
      ['Service', 'Status'],
      ['Service', 'Status', 'Reason'],
    ]);
    expect(line).toMatchObject({ Service: 'checkout-api', Status: 'FAILED', Reason: 'UNEXPECTED_ERROR', M: 1 });
  });
});

describe('agentSink (the CloudWatch agent sidecar, TCP)', () => {
  test('sends newline-delimited documents routed to the log group, queued until connected', async () => {
    const agent = await fakeAgent();
    const sink = agentSink({ endpoint: `tcp://127.0.0.1:${agent.port}`, logGroupName: '/securecart/test/metrics' });
    sink(emfLine('NS', [{ name: 'A', unit: 'Count', value: 1 }], 1));
    sink(emfLine('NS', [{ name: 'B', unit: 'Count', value: 2 }], 2));
    sink('not json: passed as is');
    await until(() => agent.lines.length === 3);
    const [a, b] = agent.lines.slice(0, 2).map((l) => JSON.parse(l));
    expect(a._aws.LogGroupName).toBe('/securecart/test/metrics');
    expect(a.A).toBe(1);
    expect(b.B).toBe(2);
    expect(agent.lines[2]).toBe('not json: passed as is');
    await sink.close();
    agent.server.close();
  });

  test('survives an agent that is not up yet, and reconnects after the agent restarts', async () => {
    const probe = await fakeAgent();
    const port = probe.port;
    await new Promise((resolve) => probe.server.close(resolve)); // nothing listens on port now
    const errors: Error[] = [];
    const sink = agentSink({ endpoint: `tcp://127.0.0.1:${port}`, retryDelayMs: 20, onError: (e) => errors.push(e) });
    sink(emfLine('NS', [{ name: 'Early', unit: 'Count', value: 1 }], 1));
    await until(() => errors.length > 0);

    const agent = await fakeAgent(port);
    await until(() => agent.lines.length === 1); // the queued line, after a retry
    expect(JSON.parse(agent.lines[0]).Early).toBe(1);

    agent.sockets.forEach((s) => s.destroy()); // the agent drops the connection
    await new Promise((resolve) => setTimeout(resolve, 50));
    sink(emfLine('NS', [{ name: 'Late', unit: 'Count', value: 1 }], 2));
    sink(emfLine('NS', [{ name: 'Later', unit: 'Count', value: 1 }], 3));
    await until(() => agent.lines.some((l) => l.includes('"Later"')));
    await sink.close();
    agent.server.close();
  });

  test('keeps at most maxQueuedLines while unreachable, dropping the oldest', () => {
    const sink = agentSink({ endpoint: 'tcp://127.0.0.1:9', maxQueuedLines: 2, onError: () => undefined });
    for (let i = 0; i < 5; i++) sink(String(i));
    expect(sink.dropped()).toBe(3);
    return sink.close();
  });

  test('endpoint: tcp://host:port only', () => {
    expect(parseAgentEndpoint('tcp://127.0.0.1:25888')).toEqual({ host: '127.0.0.1', port: 25888 });
    expect(parseAgentEndpoint('tcp://[::1]:25888')).toEqual({ host: '::1', port: 25888 });
    for (const bad of ['udp://127.0.0.1:25888', '127.0.0.1:25888', 'tcp://host', 'tcp://host:99999']) {
      expect(() => parseAgentEndpoint(bad)).toThrow(/AWS_EMF_AGENT_ENDPOINT/);
    }
  });

  test('sinkFromEnv: the agent when AWS_EMF_AGENT_ENDPOINT is set, stdout otherwise', async () => {
    expect(sinkFromEnv({})).toBe(writeToStdout);
    const agent = await fakeAgent();
    const sink = sinkFromEnv({
      AWS_EMF_AGENT_ENDPOINT: `tcp://127.0.0.1:${agent.port}`,
      AWS_EMF_LOG_GROUP_NAME: 'group',
    });
    sink(emfLine('NS', [{ name: 'X', unit: 'Count', value: 1 }], 1));
    await until(() => agent.lines.length === 1);
    expect(JSON.parse(agent.lines[0])._aws.LogGroupName).toBe('group');
    await (sink as ReturnType<typeof agentSink>).close();
    agent.server.close();
  });
});

describe('X-Ray segments', () => {
  test('parseDaemonAddress: host:port or the daemon form (the UDP address)', () => {
    expect(parseDaemonAddress('127.0.0.1:2000')).toEqual({ host: '127.0.0.1', port: 2000 });
    expect(parseDaemonAddress('tcp:127.0.0.1:2001 udp:127.0.0.1:2000')).toEqual({ host: '127.0.0.1', port: 2000 });
    expect(() => parseDaemonAddress('localhost')).toThrow(/AWS_XRAY_DAEMON_ADDRESS/);
  });

  test('xrayDaemonSink sends the daemon header and the segment in one UDP datagram', async () => {
    const server = createSocket('udp4');
    const received: string[] = [];
    server.on('message', (message) => received.push(message.toString('utf8')));
    await new Promise<void>((resolve) => server.bind(0, '127.0.0.1', resolve));
    const sink = xrayDaemonSink(`127.0.0.1:${server.address().port}`);
    sink({ name: 'checkout-api', id: '0123456789abcdef', trace_id: '1-5759e988-bd862e3fe1be46a994272793' });
    await until(() => received.length === 1);
    const [header, body] = received[0].split('\n');
    expect(JSON.parse(header)).toEqual({ format: 'json', version: 1 });
    expect(JSON.parse(body)).toMatchObject({ name: 'checkout-api', id: '0123456789abcdef' });
    server.close();
  });

  test('segmentSinkFromEnv: none without AWS_XRAY_DAEMON_ADDRESS', () => {
    expect(segmentSinkFromEnv({})).toBeUndefined();
    expect(typeof segmentSinkFromEnv({ AWS_XRAY_DAEMON_ADDRESS: '127.0.0.1:2000' })).toBe('function');
  });
});
