import { Template } from 'aws-cdk-lib/assertions';
import { idempotencyKey, OrderStatus } from '@securecart/contracts';
import { WorkflowHarness } from '../helpers/workflow-harness';
import { count, localEngines, order, seed, statusesOf } from './fixtures';

/*
 * The workflow harness (test/helpers/workflow-harness.ts) runs each handler with its own
 * function's environment from the template, and nothing of the other functions': what the
 * OrderFulfillment tests (fulfillment.test.ts) rely on to catch a variable a function lacks.
 */

describe('the workflow harness runs each handler with its own function environment', () => {
  const engines = localEngines();
  const { tables } = engines;
  const pipelineTemplate = () => engines.pipelineTemplate();

  type Fn = { Type: string; Properties: { Environment?: { Variables?: Record<string, unknown> } } };
  const functionsOf = (template: any): Fn[] =>
    Object.values<Fn>(template.Resources).filter(
      (r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME,
    );
  const withHarness = async (template: Template, body: (h: WorkflowHarness) => Promise<void>) => {
    const original = process.env;
    const h = new WorkflowHarness(template, tables, engines.endpoint);
    try {
      await body(h);
    } finally {
      h.restore();
    }
    expect(process.env).toBe(original); // restored
  };

  test("each handler sees its function's variables, and no other function's", async () => {
    await withHarness(pipelineTemplate(), async (h) => {
      const functions = functionsOf(pipelineTemplate().toJSON());
      const everyName = new Set(functions.flatMap((f) => Object.keys(f.Properties.Environment!.Variables!)));
      for (const f of functions) {
        const variables = f.Properties.Environment!.Variables!;
        const step = String(variables.POWERTOOLS_SERVICE_NAME);
        const env = h.environmentOf(step);
        const own = Object.keys(variables).filter((name) => name !== 'NODE_OPTIONS');
        const seen = [...everyName].filter((name) => env[name] !== undefined);
        expect({ step, seen: seen.sort() }).toEqual({ step, seen: own.sort() });
        expect(env).toMatchObject({ POWERTOOLS_SERVICE_NAME: step, AWS_REGION: 'us-east-1' });
      }
      expect(h.environmentOf('reserve-inventory')).toMatchObject({ CATALOG_TABLE_NAME: tables.catalog });
      // Outside a handler, the test process's environment is unchanged.
      expect(process.env.CATALOG_TABLE_NAME).toBeUndefined();
    });
  });

  test('a variable missing from one function fails the run where that function runs, naming the variable', async () => {
    // reserve-inventory without CATALOG_TABLE_NAME (other functions still have it).
    const json = JSON.parse(JSON.stringify(pipelineTemplate().toJSON()));
    const reserve = functionsOf(json).find(
      (f) => f.Properties.Environment!.Variables!.POWERTOOLS_SERVICE_NAME === 'reserve-inventory',
    )!;
    expect(reserve.Properties.Environment!.Variables!.CATALOG_TABLE_NAME).toBeDefined();
    delete reserve.Properties.Environment!.Variables!.CATALOG_TABLE_NAME;
    expect(functionsOf(json).filter((f) => f.Properties.Environment!.Variables!.CATALOG_TABLE_NAME)).not.toEqual([]);

    await withHarness(Template.fromJSON(json), async (h) => {
      const { widget } = await seed(h, 'widget');
      const o = order({ items: [{ productId: widget, quantity: 1 }] });
      const r = await h.run(o);
      expect(r.error).toEqual({ error: 'OrderFailed', cause: 'UNEXPECTED_ERROR' });
      expect(r.taskErrors).toEqual([
        expect.objectContaining({
          state: 'ReserveInventory',
          message: expect.stringContaining('CATALOG_TABLE_NAME'),
          injected: false,
        }),
      ]);
      expect(statusesOf(r)).toEqual<OrderStatus[]>(['ACCEPTED', 'VALIDATED', 'PAID', 'FAILED']);
      // The other functions still had the variable: validate, the saga's release.
      expect(count(r, 'ValidateOrder')).toBe(1);
      expect(await h.record(idempotencyKey('payment', o.orderId))).toMatchObject({ status: 'REFUNDED' });
    });
  });
});
