import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { handlerCode, handlerSteps } from '../lib/constructs/handler-bundles';
import { cleanUp, synthesize, Synthesized } from './helpers/synth';

/** Handlers deployed outside the Pipeline stack (localstack has no Frontend stack): rotate-origin-secret. */
const FRONTEND_STEPS = ['rotate-origin-secret'];

/** The real esbuild bundles, as `cdk synth` stages them (other tests skip bundling). */
describe('handler bundles', () => {
  let s: Synthesized;
  let assets: Array<{ step: string; dir: string }>;
  beforeAll(() => {
    s = synthesize('localstack', { bundle: true });
    const resources = s.template(s.stacks.pipeline).toJSON().Resources;
    assets = Object.values<any>(resources)
      .filter((r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Handler === 'index.handler')
      .map((r) => ({
        step: r.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME,
        dir: join(s.outdir, r.Metadata['aws:asset:path']),
      }));
  });
  /** Every bundle: the Pipeline stack's as staged, the Frontend stack's from the same build. */
  const allBundles = () => [
    ...assets,
    ...FRONTEND_STEPS.map((step) => ({ step, dir: (handlerCode(s.stacks.pipeline, step) as lambda.AssetCode).path })),
  ];
  afterAll(() => cleanUp(s));

  test('every handler folder is deployed, each as its own bundle with a source map', () => {
    expect(assets.map((a) => a.step).sort()).toEqual(handlerSteps().filter((st) => !FRONTEND_STEPS.includes(st)));
    for (const { dir } of allBundles()) {
      expect(existsSync(join(dir, 'index.mjs'))).toBe(true);
      expect(JSON.parse(readFileSync(join(dir, 'index.mjs.map'), 'utf8')).sources.length).toBeGreaterThan(0);
    }
  });

  test('bundles carry their SDK clients but not the default credential chain', () => {
    for (const { dir } of allBundles()) {
      const code = readFileSync(join(dir, 'index.mjs'), 'utf8');
      expect(code).toContain('AWS_ACCESS_KEY_ID'); // the environment credential provider
      expect(code).not.toMatch(/SSO_OIDC|sso-oidc|fromIni|credential_process/);
    }
  });

  test('each bundle loads in a fresh Node process as an ES module and exports an async handler', () => {
    for (const { step, dir } of allBundles()) {
      const r = spawnSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `const m = await import(${JSON.stringify(join(dir, 'index.mjs'))}); process.stdout.write(typeof m.handler)`,
        ],
        {
          encoding: 'utf8',
          env: { ...process.env, AWS_REGION: 'us-east-1' },
        },
      );
      expect({ step, out: r.stdout, status: r.status }).toEqual({ step, out: 'function', status: 0 });
    }
  });
});
