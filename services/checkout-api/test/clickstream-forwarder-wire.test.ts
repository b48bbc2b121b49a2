/**
 * The local forwarder over the wire: its PutRecords call reaches a Kinesis endpoint served over
 * plain HTTP/1.1, as a local AWS endpoint serves it (the Kinesis client's default HTTP/2 handler
 * fails there with a protocol error: the smoke run against the emulator found it), and what
 * arrives is exactly `clickstreamRecords(batch)`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CLICKSTREAM_FIXTURES, clickstreamRecords } from '@securecart/contracts/clickstream';
import { HTTP_API } from '@securecart/contracts/http-api';
import { useService } from './helpers/harness';
import type { TestService } from './helpers/harness';

const STREAM = 'securecart-test-clickstream';

interface Received {
  readonly httpVersion: string;
  readonly target: string | undefined;
  readonly body: { StreamName: string; Records: { PartitionKey: string; Data: string }[] };
}

const received: Received[] = [];
const kinesis = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Received['body'];
    received.push({ httpVersion: req.httpVersion, target: req.headers['x-amz-target'] as string, body });
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' }).end(
      JSON.stringify({
        FailedRecordCount: 0,
        Records: body.Records.map((_, i) => ({ SequenceNumber: `${i + 1}`, ShardId: 'shardId-000000000000' })),
      }),
    );
  });
});

let service: TestService;
const previousEndpoint = process.env.AWS_ENDPOINT_URL_KINESIS;
beforeAll(async () => {
  await new Promise<void>((resolve) => kinesis.listen(0, '127.0.0.1', resolve));
  process.env.AWS_ENDPOINT_URL_KINESIS = `http://127.0.0.1:${(kinesis.address() as AddressInfo).port}`;
});
useService({ CLICKSTREAM_STREAM_NAME: STREAM }, (started) => ({ service } = started));
afterAll(async () => {
  if (previousEndpoint === undefined) delete process.env.AWS_ENDPOINT_URL_KINESIS;
  else process.env.AWS_ENDPOINT_URL_KINESIS = previousEndpoint;
  await new Promise((resolve) => kinesis.close(resolve));
});

test('PutRecords over HTTP/1.1 carries exactly clickstreamRecords(batch), base64 data decoding to each event', async () => {
  const batch = CLICKSTREAM_FIXTURES[1];
  const answer = await service.client.request('POST', HTTP_API.recordEvents.path, { json: batch });
  expect({ status: answer.status, body: answer.body }).toEqual({
    status: 202,
    body: { received: batch.events.length },
  });
  expect(received).toHaveLength(1);
  const [call] = received;
  expect(call.httpVersion).toBe('1.1');
  expect(call.target).toBe('Kinesis_20131202.PutRecords');
  expect(call.body.StreamName).toBe(STREAM);
  expect(
    call.body.Records.map((r) => ({ PartitionKey: r.PartitionKey, Data: Buffer.from(r.Data, 'base64').toString() })),
  ).toEqual(clickstreamRecords(batch));
});
