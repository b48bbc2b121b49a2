/**
 * npm run verify:deploy -- --profile sandbox [--region R] [--order-timeout S] [--trace-timeout S]
 * npm run verify:deploy -- --profile localstack --endpoint http://localhost:4566 [--allow-known-gaps]
 *
 * After `cdk deploy --all`: checks what only a deployed system shows (docs/first-deploy.md lists
 * each check, the assumption it confirms and what to do when it fails), one line per check,
 * `PASS|FAIL|SKIP name (s) detail`; removes what it created (a product, two Cognito customers,
 * their carts), also on failure or Ctrl-C; exits 1 on any FAIL and says what to look at.
 * Credentials and region: the usual AWS sources (AWS_PROFILE, AWS_REGION, ...). --profile is the
 * SecureCart profile (the stacks SecureCart-<profile>-*). With --endpoint only what a local AWS
 * endpoint can host runs (stack outputs, tables, queues, the pipeline from orders.fifo, alarms,
 * the execution history); the rest is SKIP with the reason.
 *
 * Runs as `node --import tsx` (one process, so Ctrl-C reaches the clean-up).
 */
import { parseArgs } from 'node:util';
import { PROFILES } from '../../lib/config/profiles';
import type { ProfileName } from '../../lib/config/profiles';
import { Cleanups, onInterrupt, runMain } from '../../test/smoke/runner';
import { createClients } from './clients';
import { KNOWN_GAPS } from './known-gaps';
import { VerifyReport } from './report';
import { newRunId, verifyDeployment } from './run';

const USAGE =
  'usage: npm run verify:deploy -- [--profile sandbox|prod|localstack] [--endpoint URL] [--region REGION] [--order-timeout S] [--trace-timeout S] [--allow-known-gaps]';

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        profile: { type: 'string', default: 'sandbox' },
        endpoint: { type: 'string' },
        region: { type: 'string' },
        'order-timeout': { type: 'string', default: '300' },
        'trace-timeout': { type: 'string', default: '120' },
        'allow-known-gaps': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    console.error(`verify:deploy: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const profile = PROFILES[values.profile as ProfileName];
  const orderTimeout = Number(values['order-timeout']);
  const traceTimeout = Number(values['trace-timeout']);
  if (!profile || !(orderTimeout > 0) || !(traceTimeout > 0)) {
    console.error(
      `verify:deploy: ${profile ? '--order-timeout and --trace-timeout must be positive seconds' : `no profile "${values.profile}" (${Object.keys(PROFILES).join(', ')})`}\n${USAGE}`,
    );
    return 2;
  }
  const endpoint = values.endpoint;
  const clients = createClients({ endpoint, region: values.region });
  const runId = newRunId();
  const started = Date.now();
  const region =
    values.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? '(region from the AWS config)';
  console.log(
    `verify:deploy: run ${runId}, profile ${profile.name}, ${endpoint ? `local endpoint ${endpoint}` : 'AWS'}, region ${region}`,
  );
  const report = new VerifyReport(undefined, { knownGaps: KNOWN_GAPS, allowKnownGaps: values['allow-known-gaps'] });
  const cleanups = new Cleanups('verify:deploy', 'last added first');
  const run = verifyDeployment(
    report,
    clients,
    { profile, endpoint, orderTimeoutMs: orderTimeout * 1000, traceTimeoutMs: traceTimeout * 1000, runId },
    undefined,
    cleanups,
  );
  // Ctrl-C or SIGTERM: stop waiting for the checks, remove what the run created, exit 130.
  const interrupted = new Promise<'interrupted'>((resolve) =>
    onInterrupt('verify:deploy', () => resolve('interrupted')),
  );
  const outcome = await Promise.race([run.then(() => 'done' as const), interrupted]);
  if (outcome === 'interrupted') {
    await cleanups.run();
    report.finish(started);
    return 130;
  }
  return report.finish(started);
}

runMain('verify:deploy', main);
