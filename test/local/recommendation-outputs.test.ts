import { CHECKOUT_ENV } from '@securecart/contracts/env';
import { clickstreamEnv } from '../../test/smoke/recommendations';

/*
 * npm run local, the smoke suite and the browser journey hand the checkout service the
 * clickstream's stream (its local forwarder) and ProductAffinity table (its recommendations) from
 * the Pipeline stack's outputs.
 */
test('the service gets the stream and the table, by the names CHECKOUT_ENV gives them', () => {
  expect(clickstreamEnv({ ClickstreamStreamName: 'stream-1', ProductAffinityTableName: 'table-1' })).toEqual({
    [CHECKOUT_ENV.clickstreamStreamName]: 'stream-1',
    [CHECKOUT_ENV.productAffinityTable]: 'table-1',
  });
});
