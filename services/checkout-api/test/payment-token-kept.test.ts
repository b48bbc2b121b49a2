/**
 * The payment token is kept only where it must be (issue 19): in the outbox row, until SQS has
 * the order message. The orders table never stores it; a sent row's body is cleared.
 */
import { postOrder, TestIssuer, useService } from './helpers/harness';
import type { TestDatabase, TestService } from './helpers/harness';

let database: TestDatabase;
let issuer: TestIssuer;
let service: TestService;

useService({}, (started) => ({ database, issuer, service } = started));

test('order_doc holds no payment; the outbox body holds the token until the relay has sent it, then nothing', async () => {
  service.sqs.on(service.bundle.aws.SendMessageBatchCommand).callsFake((input: { Entries: { Id: string }[] }) => ({
    Successful: input.Entries.map((e) => ({ Id: e.Id, MessageId: 'm', MD5OfMessageBody: 'x' })),
  }));
  const orderId = (await postOrder(service.client, issuer.token({ sub: 'customer-token' }))).body.orderId;
  const stored = async () =>
    (
      await database.pool.query(
        'SELECT o.order_doc, x.body, x.sent_at IS NOT NULL AS sent FROM orders o JOIN outbox x USING (order_id) WHERE order_id = $1',
        [orderId],
      )
    ).rows[0];

  const before = await stored();
  expect(before.order_doc.payment).toBeUndefined();
  expect(JSON.stringify(before.order_doc)).not.toContain('tok_');
  expect(before.order_doc).toMatchObject({ orderId, items: expect.any(Array), shippingAddress: expect.any(Object) });
  expect(JSON.parse(before.body).payment).toEqual({ token: 'tok_approve' });
  expect(before.sent).toBe(false);

  expect(await service.handle.relay.runOnce()).toBeGreaterThanOrEqual(1);
  const after = await stored();
  expect(after).toMatchObject({ sent: true, body: '' });
  // The customer's view is unchanged by it.
  const view = await service.client.get(`/api/orders/${orderId}`, issuer.token({ sub: 'customer-token' }));
  expect(view.body).toMatchObject({ orderId, currency: 'USD', status: 'PENDING' });
});
