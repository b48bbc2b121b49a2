/**
 * A real DynamoDB engine for the tests (dynalite, in this process, on a free port), shared by the
 * workflow tests (test/workflow/fixtures.ts, the harness) and the handler tests that need real
 * conditional writes (test/handlers/clickstream-consumer.test.ts).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite');

/** The credentials a local engine accepts (it checks none). */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

export interface LocalDynamo {
  /** The endpoint (`http://127.0.0.1:<port>`). */
  readonly endpoint: string;
  /** Stops the engine. */
  close(): Promise<void>;
}

/** Starts dynalite on 127.0.0.1, port 0; tables are created and deleted at once. */
export async function startDynalite(): Promise<LocalDynamo> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A DynamoDB client of the local engine at `endpoint`. */
export const localDynamoClient = (endpoint: string | undefined, region = 'us-east-1') =>
  new DynamoDBClient({ endpoint, region, credentials: LOCAL_CREDENTIALS });
