import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Duration } from 'aws-cdk-lib';
import { AWS_TRANSIENT_ERRORS } from '@securecart/contracts';
import {
  cappedRetryDelays,
  Profile,
  PROFILE_NAMES,
  PROFILES,
  ProfileName,
  validateProfile,
} from '../../lib/config/profiles';
import { PipelineStack } from '../../lib/stacks/pipeline-stack';
import { allStates, definitionOf } from '../helpers/asl';
import { scratchApps } from '../helpers/synth';

/*
 * docs/adr/0017: the waits that make an outage survivable come from the profile
 * (`profile.workflow`, `profile.screening.fraudScreenTimeout`). sandbox and prod keep the real
 * values; localstack shortens them so the chaos suite's outage matrix runs in minutes. Each
 * profile's Pipeline stack is synthesized alone (no other stack, no bundling).
 */

/** The OrderFulfillment definition of a profile's Pipeline stack. */
function definitionFor(app: ReturnType<ReturnType<typeof scratchApps>>, profile: Profile) {
  const data = new Stack(app, `Data-${profile.name}`);
  const table = (id: string) => dynamodb.Table.fromTableName(data, id, `${profile.name}-${id}`);
  const pipeline = new PipelineStack(app, `Pipeline-${profile.name}`, {
    profile,
    catalogTable: table('catalog'),
    idempotencyTable: table('idempotency'),
    productAffinityTable: table('product-affinity'),
  });
  return allStates(definitionOf(Template.fromStack(pipeline).toJSON().Resources));
}

describe('the workflow’s waits come from the profile', () => {
  const scratch = scratchApps();
  const states = {} as Record<ProfileName, Record<string, any>>;
  beforeAll(() => {
    for (const name of PROFILE_NAMES) states[name] = definitionFor(scratch(), PROFILES[name]);
  });

  /** Per Task state: the retrier of its service's outage errors, as [interval, cap, attempts]. */
  function outageRetriers(name: ProfileName) {
    const out: Record<string, [number, number, number]> = {};
    for (const [state, s] of Object.entries(states[name])) {
      if (s.Type !== 'Task') continue;
      const r = (s.Retry ?? []).find((x: any) =>
        x.ErrorEquals.some((e: string) => [...Object.values(AWS_TRANSIENT_ERRORS).flat(), 'States.ALL'].includes(e)),
      );
      out[state] = r ? [r.IntervalSeconds, r.MaxDelaySeconds, r.MaxAttempts] : [0, 0, 0];
    }
    return out;
  }
  const COMPENSATIONS = ['RefundPayment', 'ReleaseInventory'];

  test.each(PROFILE_NAMES.map((n) => [n]))(
    '%s: every Task state retries its outage errors with the profile’s interval, cap and attempts',
    (name) => {
      const w = PROFILES[name].workflow;
      const r = w.outageRetry;
      const found = outageRetriers(name);
      expect(Object.keys(found).length).toBeGreaterThan(15);
      const wanted = Object.fromEntries(
        Object.keys(found).map((state) => [
          state,
          [
            r.interval.toSeconds(),
            r.maxDelay.toSeconds(),
            COMPENSATIONS.includes(state) ? w.compensationMaxAttempts : r.maxAttempts,
          ],
        ]),
      );
      expect(found).toEqual(wanted);
    },
  );

  test.each(PROFILE_NAMES.map((n) => [n]))('%s: the fraud screen waits the profile’s timeout', (name) => {
    expect(states[name].ScreenForFraud.TimeoutSeconds).toBe(PROFILES[name].screening.fraudScreenTimeout.toSeconds());
  });

  test('sandbox and prod keep the real waits; localstack shortens them five-fold, with the same margin', () => {
    const summary = (name: ProfileName) => {
      const p = PROFILES[name];
      const [interval, cap, attempts] = outageRetriers(name).PublishPaid;
      return {
        ridesOut: p.workflow.ridesOutOutage.toSeconds(),
        retry: [interval, cap, attempts],
        fraudScreenTimeout: states[name].ScreenForFraud.TimeoutSeconds,
        longestWait: cappedRetryDelays({ intervalSeconds: interval, maxDelaySeconds: cap, maxAttempts: attempts }),
      };
    };
    expect(summary('sandbox')).toEqual({
      ridesOut: 300,
      retry: [2, 60, 25],
      fraudScreenTimeout: 300,
      longestWait: 1262,
    });
    expect(summary('prod')).toEqual(summary('sandbox'));
    expect(summary('localstack')).toEqual({
      ridesOut: 60,
      retry: [1, 10, 28],
      fraudScreenTimeout: 60,
      longestWait: 255,
    });
    // The margin: mean jittered wait (half the capped delays) over the outage ridden out.
    const margin = (name: ProfileName) => summary(name).longestWait / 2 / summary(name).ridesOut;
    expect(margin('sandbox')).toBeGreaterThanOrEqual(2);
    expect(margin('localstack')).toBeGreaterThanOrEqual(2);
  });

  test('a profile whose retries would not ride out its outage is refused', () => {
    const p = PROFILES.localstack;
    expect(() => validateProfile({ ...p, workflow: { ...p.workflow, ridesOutOutage: Duration.minutes(5) } })).toThrow(
      /workflow.outageRetry waits 127.5 s on average, less than twice workflow.ridesOutOutage \(300 s\).*workflow.compensationMaxAttempts waits/,
    );
    expect(() =>
      validateProfile({
        ...p,
        workflow: { ...p.workflow, outageRetry: { ...p.workflow.outageRetry, maxDelay: Duration.seconds(0) } },
      }),
    ).toThrow(/interval >= 1 s and maxDelay >= interval/);
  });
});
