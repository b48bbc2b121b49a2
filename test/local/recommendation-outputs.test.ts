import { CHECKOUT_ENV } from '@securecart/contracts/env';
import { clickstreamEnv, missingClickstream, pickClickstreamOutputs } from '../../test/smoke/recommendations';

/*
 * npm run local, the smoke suite and the browser journey hand the checkout service the
 * clickstream's stream and ProductAffinity table from the deployed stacks' outputs (optional: a
 * deployment without them runs as before, without the forwarder and with empty recommendations).
 */

test('each output from the first stack that has it; the service gets exactly the settings found', () => {
  const pipeline = { ClickstreamStreamName: 'stream-1', ProductAffinityTableName: 'table-p', OrdersQueueUrl: 'q' };
  const data = { ProductAffinityTableName: 'table-d', CartsTableName: 'carts' };
  const found = pickClickstreamOutputs([pipeline, data]);
  expect(found).toEqual({ streamName: 'stream-1', affinityTable: 'table-p' });
  expect(clickstreamEnv(found)).toEqual({
    [CHECKOUT_ENV.clickstreamStreamName]: 'stream-1',
    [CHECKOUT_ENV.productAffinityTable]: 'table-p',
  });
  expect(missingClickstream(found)).toBeUndefined();
  expect(pickClickstreamOutputs([{ ProductAffinityTableName: '' }, data])).toEqual({
    streamName: undefined,
    affinityTable: 'table-d',
  });
});

test('without the outputs: no settings, and the end-to-end check says which output is missing', () => {
  const none = pickClickstreamOutputs([{ OrdersQueueUrl: 'q' }, {}]);
  expect(clickstreamEnv(none)).toEqual({});
  expect(missingClickstream(none)).toBe(
    'no ClickstreamStreamName or ProductAffinityTableName output in the deployed stacks',
  );
  const tableOnly = { affinityTable: 't' };
  expect(clickstreamEnv(tableOnly)).toEqual({ [CHECKOUT_ENV.productAffinityTable]: 't' });
  expect(missingClickstream(tableOnly)).toBe('no ClickstreamStreamName output in the deployed stacks');
});
