/**
 * npm run deploy:check (after scripts/deploy-check.sh has started the local endpoint): every stack
 * of every profile named in DEPLOY_CHECK_PROFILES (default: sandbox prod) deployed with
 * `cdklocal deploy --all` to AWS_ENDPOINT_URL, checked, destroyed, and what is left checked.
 *
 *   1. synth each profile once into cdk.out/deploy-check/<profile> (the second while the first
 *      deploys); every later step reads that assembly (stacks, regions, dependencies, retained
 *      resources, deployments);
 *   2. cdklocal bootstrap of every region the stacks use, and an inventory of the endpoint there;
 *   3. per profile, cdklocal deploy --all (dependency order); each stack must be
 *      CREATE_COMPLETE;
 *   4. each BucketDeployment's files are in its bucket, byte for byte as in the assembly with their
 *      markers replaced, and a config.json names this deployment's user pool and app client;
 *   5. cdklocal destroy --all; no stack is left, every retained resource is still there, and nothing
 *      else is (the inventory again, less the first one);
 *   6. a table: stack, region, status, seconds; exit 1 on any failure, naming what to look at.
 *
 * Settings: DEPLOY_CHECK_PROFILES, DEPLOY_CHECK_REGION (the stacks' region where the profile does not
 * fix one; default us-east-1, see README), DEPLOY_CHECK_CONCURRENCY (1), DEPLOY_CHECK_LOGS (where the
 * cdk logs go; default cdk.out/deploy-check/logs).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  AssemblyStack,
  assetFiles,
  bucketDeployments,
  readAssembly,
  replaceMarkers,
  resourcesOfType,
  retainedResources,
} from './assembly';
import {
  bucketContents,
  clientsFor,
  exportsOf,
  inventory,
  Inventory,
  normaliseId,
  stackEvents,
  stackOutputs,
  stackResources,
  stackStatus,
} from './aws';
import {
  cdkDeploymentTimes,
  compareFiles,
  countByType,
  creationSeconds,
  Deployed,
  failedStacks,
  leftoverMarkers,
  leftovers,
  resolveValue,
  RetainedWithId,
  runtimeConfigProblems,
  StackRow,
  stackTable,
} from './checks';

const ROOT = path.join(__dirname, '..', '..');
const PROFILES = (process.env.DEPLOY_CHECK_PROFILES ?? 'sandbox prod').split(/[\s,]+/).filter(Boolean);
const REGION = process.env.DEPLOY_CHECK_REGION ?? 'us-east-1';
// One stack at a time: on the emulator, stacks created concurrently race in its resolution of weak
// references ("OrderedDict mutated during iteration" in Fn::GetStackOutput), and a deploy of the
// sandbox profile took 24 s either way. A higher value is for endpoints that are thread-safe.
const CONCURRENCY = process.env.DEPLOY_CHECK_CONCURRENCY ?? '1';
const OUT = path.join(ROOT, 'cdk.out', 'deploy-check');
const LOGS = process.env.DEPLOY_CHECK_LOGS ?? path.join(OUT, 'logs');
const started = Date.now();
const problems: string[] = [];

const say = (message: string) => console.log(`deploy:check: ${message}`);
const phase = (message: string) =>
  console.log(`\n=== deploy:check: ${message} (${Math.round((Date.now() - started) / 1000)}s)`);
const fail = (message: string) => {
  problems.push(message);
  say(`FAIL ${message}`);
};

/** Runs a command with its output in a log file; resolves with its exit code. */
function run(command: string, args: readonly string[], log: string, env: NodeJS.ProcessEnv): Promise<number> {
  const fd = openSync(log, 'w');
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', fd, fd] });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

function tail(log: string, lines = 25): string {
  if (!existsSync(log)) return '';
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter((l) => /\S/.test(l) && !/^\s+at /.test(l))
    .slice(-lines)
    .map((l) => `  | ${l.slice(0, 300)}`)
    .join('\n');
}

function endpointEnv(): NodeJS.ProcessEnv {
  const endpoint = process.env.AWS_ENDPOINT_URL;
  if (!endpoint) throw new Error('AWS_ENDPOINT_URL is not set (npm run deploy:check starts the local endpoint itself)');
  const host = new URL(endpoint).hostname;
  if (!['127.0.0.1', 'localhost', 'localhost.localstack.cloud', '::1'].includes(host)) {
    throw new Error(`refusing to deploy to ${endpoint}: deploy:check is for a local endpoint only`);
  }
  return {
    ...process.env,
    CDK_DISABLE_CLI_TELEMETRY: 'true',
    // As scripts/localstack.sh: cdklocal needs the S3 endpoint spelled out, and keeps only the
    // AWS_* variables it is told to.
    AWS_ENDPOINT_URL_S3: process.env.AWS_ENDPOINT_URL_S3 ?? endpoint.replace('//localhost', '//127.0.0.1'),
    AWS_ENVAR_ALLOWLIST:
      process.env.AWS_ENVAR_ALLOWLIST ?? 'AWS_REGION,AWS_DEFAULT_REGION,AWS_ACCESS_KEY_ID,AWS_SECRET_ACCESS_KEY',
  };
}

const cdk = (tool: 'cdk' | 'cdklocal', ...args: string[]) => ['--no-install', tool, ...args, '--no-notices'];

async function main(): Promise<number> {
  const env = endpointEnv();
  mkdirSync(LOGS, { recursive: true });
  say(`profiles ${PROFILES.join(', ')}; endpoint ${env.AWS_ENDPOINT_URL}; logs in ${LOGS}`);

  // The first profile's synth warms the handler and storefront build caches; the others then synth
  // while the first deploys (two synths at once would race on those caches).
  phase(`synth ${PROFILES[0]}`);
  const assemblies = new Map<string, AssemblyStack[]>();
  assemblies.set(PROFILES[0], await synth(PROFILES[0], env));
  const laterSynths = (async () => {
    for (const p of PROFILES.slice(1)) assemblies.set(p, await synth(p, env));
  })();
  laterSynths.catch(() => undefined); // awaited below

  const account = process.env.AWS_ACCOUNT_ID ?? process.env.CDK_DEFAULT_ACCOUNT ?? '000000000000';
  const before: Inventory = { items: [], listed: new Set(), errors: [] };
  const bootstrapped = new Set<string>();
  /** Bootstraps the regions of these stacks not done yet, and takes their inventory before anything is deployed there. */
  const prepareRegions = async (profile: string, stacks: readonly AssemblyStack[]) => {
    const regions = [...new Set(stacks.map((s) => s.region))].filter((r) => !bootstrapped.has(r)).sort();
    if (regions.length === 0) return;
    phase(`cdklocal bootstrap ${regions.join(', ')}`);
    const log = path.join(LOGS, `bootstrap-${profile}.log`);
    const args = ['bootstrap', '--app', path.join(OUT, profile), ...regions.map((r) => `aws://${account}/${r}`)];
    if ((await run('npx', cdk('cdklocal', ...args), log, env)) !== 0) {
      console.log(tail(log));
      throw new Error(`cdklocal bootstrap failed (log ${log})`);
    }
    const found = await inventory(regions, clientsFor);
    before.items.push(...found.items);
    found.listed.forEach((k) => before.listed.add(k));
    before.errors.push(...found.errors);
    regions.forEach((r) => bootstrapped.add(r));
  };

  const rows: StackRow[] = [];
  const deployed: Deployed = { outputs: new Map(), resources: new Map(), exports: {}, account };
  const retained: RetainedWithId[] = [];
  const functionNames: string[] = [];
  try {
    for (const profile of PROFILES) {
      if (!assemblies.has(profile)) await laterSynths;
      const stacks = assemblies.get(profile)!;
      say(`${profile}: ${stacks.map((s) => `${s.stackName} (${s.region})`).join(', ')}`);
      await prepareRegions(profile, stacks);
      phase(`cdklocal deploy --all: ${profile} (${stacks.length} stacks, --concurrency ${CONCURRENCY})`);
      const log = path.join(LOGS, `deploy-${profile}.log`);
      const args = ['deploy', '--all', '--app', path.join(OUT, profile), '--require-approval', 'never'];
      // CreateStack rather than change sets: the emulator sometimes builds a stack twice from one
      // CREATE change set under load (README, deploy:check); the templates are the same either way.
      args.push('--method', 'direct', '--concurrency', CONCURRENCY);
      const code = await run('npx', cdk('cdklocal', ...args), log, env);
      const profileRows = await stackRows(stacks, cdkDeploymentTimes(readFileSync(log, 'utf8')));
      rows.push(...profileRows);
      if (code !== 0 || failedStacks(profileRows).length > 0) {
        fail(
          `${profile}: cdklocal deploy exited ${code}; stacks not CREATE_COMPLETE: ${
            failedStacks(profileRows)
              .map((r) => `${r.stack} (${r.status})`)
              .join(', ') || 'none'
          } (log ${log})`,
        );
        console.log(tail(log));
        await printFailedEvents(failedStacks(profileRows), stacks);
      }
      await collect(stacks, deployed, retained, functionNames);
      await checkDeployments(profile, stacks, deployed);
    }
  } finally {
    await laterSynths.catch(() => undefined);
    for (const profile of [...PROFILES].reverse().filter((p) => assemblies.has(p))) {
      phase(`cdklocal destroy --all: ${profile}`);
      const log = path.join(LOGS, `destroy-${profile}.log`);
      const code = await run(
        'npx',
        cdk('cdklocal', 'destroy', '--all', '--force', '--app', path.join(OUT, profile)),
        log,
        env,
      );
      if (code !== 0) {
        fail(`${profile}: cdklocal destroy exited ${code} (log ${log})`);
        console.log(tail(log));
      }
    }
  }

  phase('after destroy: no stack left, the retained resources and nothing else');
  const allStacks = [...assemblies.values()].flat();
  for (const stack of allStacks) {
    const status = await stackStatus(clientsFor(stack.region).cloudformation, stack.stackName);
    if (status !== 'DOES_NOT_EXIST' && status !== 'DELETE_COMPLETE')
      fail(`${stack.stackName} still exists after destroy (${status})`);
  }
  const after = await inventory([...bootstrapped], clientsFor);
  reportLeftovers(before, after, retained, functionNames);

  phase('result');
  console.log(stackTable(rows));
  const seconds = Math.round((Date.now() - started) / 1000);
  if (problems.length > 0) {
    say(`FAILED after ${seconds}s: ${problems.length} problem(s):`);
    for (const p of problems) say(`  - ${p}`);
    say(`look at: the cdk logs in ${LOGS}; the endpoint's log (the emulator's, printed below when it is ours)`);
    return 1;
  }
  say(`passed in ${seconds}s: ${rows.length} stacks of ${PROFILES.join(' and ')} deployed, checked and destroyed`);
  return 0;
}

/**
 * The emulator has no `AWS::CertificateManager::Certificate` resource (moto's CloudFormation
 * leaves its Ref empty, and the HTTPS listener then fails). Where a profile's API needs an ALB
 * certificate the stack would request (prod: api.backendTls without certificateArn), ask the
 * endpoint's ACM for one first and synthesize with `-c apiCertificateArn=…`: the path a real
 * account takes when the certificate is issued outside the stacks. The stack's own DNS-validated
 * request is what only a real account proves (docs/first-deploy.md).
 */
async function certificateContext(profile: string): Promise<string[]> {
  const { resolveProfile } = await import('../../lib/config/profiles');
  const { backendTls, internalDomain } = resolveProfile(profile).api;
  if (!backendTls || !internalDomain || internalDomain.certificateArn) return [];
  const { ACMClient, RequestCertificateCommand } = await import('@aws-sdk/client-acm');
  const acm = new ACMClient({ region: REGION });
  const { CertificateArn } = await acm.send(
    new RequestCertificateCommand({ DomainName: internalDomain.domainName, ValidationMethod: 'DNS' }),
  );
  if (!CertificateArn) throw new Error(`the endpoint's ACM issued no certificate for ${internalDomain.domainName}`);
  say(
    `${profile}: the endpoint has no ACM certificate resource; its ALB certificate for ${internalDomain.domainName} is requested from the endpoint's ACM and passed as -c apiCertificateArn (the stack's DNS-validated request is proven only on a real account)`,
  );
  return ['-c', `apiCertificateArn=${CertificateArn}`];
}

async function synth(profile: string, env: NodeJS.ProcessEnv): Promise<AssemblyStack[]> {
  const log = path.join(LOGS, `synth-${profile}.log`);
  const args = cdk(
    'cdk',
    'synth',
    '-q',
    '-c',
    `profile=${profile}`,
    '-c',
    `region=${REGION}`,
    ...(await certificateContext(profile)),
    '-o',
    path.join(OUT, profile),
  );
  if ((await run('npx', args, log, env)) !== 0) {
    console.log(tail(log));
    throw new Error(`synth of ${profile} failed (log ${log})`);
  }
  say(`synthesized ${profile} into ${path.relative(ROOT, path.join(OUT, profile))}`);
  return readAssembly(path.join(OUT, profile), REGION);
}

async function stackRows(stacks: readonly AssemblyStack[], cdkTimes: ReadonlyMap<string, number>): Promise<StackRow[]> {
  const rows: StackRow[] = [];
  for (const s of stacks) {
    const cfn = clientsFor(s.region).cloudformation;
    const status = await stackStatus(cfn, s.stackName);
    const seconds =
      status === 'DOES_NOT_EXIST'
        ? undefined
        : (cdkTimes.get(s.stackName) ?? creationSeconds(await stackEvents(cfn, s.stackName), s.stackName));
    rows.push({ stack: s.stackName, region: s.region, status, seconds });
  }
  return rows;
}

async function printFailedEvents(rows: readonly StackRow[], stacks: readonly AssemblyStack[]) {
  for (const row of rows) {
    if (row.status === 'DOES_NOT_EXIST') continue;
    const stack = stacks.find((s) => s.stackName === row.stack)!;
    const events = await stackEvents(clientsFor(stack.region).cloudformation, stack.stackName);
    for (const e of events.filter((x) => x.status.endsWith('_FAILED') && x.logicalId !== stack.stackName)) {
      say(`  ${stack.stackName} ${e.logicalId} (${e.type}) ${e.status}: ${e.reason.slice(0, 300)}`);
    }
  }
}

/** Outputs, physical ids and exports of the deployed stacks; the retained resources' ids. */
async function collect(
  stacks: readonly AssemblyStack[],
  deployed: Deployed,
  retained: RetainedWithId[],
  functionNames: string[],
) {
  for (const stack of stacks) {
    const cfn = clientsFor(stack.region).cloudformation;
    if ((await stackStatus(cfn, stack.stackName)) !== 'CREATE_COMPLETE') continue;
    (deployed.outputs as Map<string, Record<string, string>>).set(
      stack.stackName,
      await stackOutputs(cfn, stack.stackName),
    );
    const resources = await stackResources(cfn, stack.stackName);
    (deployed.resources as Map<string, Record<string, string>>).set(
      stack.stackName,
      Object.fromEntries(resources.map((r) => [r.logicalId, r.physicalId])),
    );
    Object.assign(deployed.exports, await exportsOf(cfn));
    functionNames.push(...resources.filter((r) => r.type === 'AWS::Lambda::Function').map((r) => r.physicalId));
    for (const r of retainedResources([stack])) {
      const physical = resources.find((x) => x.logicalId === r.logicalId)?.physicalId;
      if (physical) retained.push({ ...r, id: normaliseId(r.type, physical) });
    }
  }
}

/** Step 4: every BucketDeployment's files in its bucket; config.json names this deployment's identity. */
async function checkDeployments(profile: string, stacks: readonly AssemblyStack[], deployed: Deployed) {
  const physical = (type: string) =>
    stacks
      .flatMap((s) => resourcesOfType(s, type).map((id) => deployed.resources.get(s.stackName)?.[id]))
      .filter((x): x is string => x !== undefined);
  const identity = {
    userPoolIds: physical('AWS::Cognito::UserPool'),
    clientIds: physical('AWS::Cognito::UserPoolClient'),
  };
  for (const spec of bucketDeployments(stacks)) {
    const where = `${profile}: ${spec.stackName}/${spec.logicalId}`;
    if (!deployed.resources.has(spec.stackName)) continue; // its stack failed: already reported
    try {
      const bucket = resolveValue(spec.destinationBucket, spec.stackName, spec.region, deployed);
      const expected = new Map<string, Buffer>();
      for (const source of spec.sources) {
        if (source.packaging !== 'zip' || !existsSync(source.assetPath)) {
          say(`${where}: source ${path.basename(source.assetPath)} is an archive; its files are not compared`);
          continue;
        }
        const values = Object.fromEntries(
          Object.entries(source.markers).map(([m, v]) => [m, resolveValue(v, spec.stackName, spec.region, deployed)]),
        );
        for (const [key, content] of assetFiles(source.assetPath)) {
          const replaced = Object.keys(values).length
            ? Buffer.from(replaceMarkers(content.toString('utf8'), values, source.jsonEscape))
            : content;
          expected.set(key, replaced);
        }
      }
      const actual = await bucketContents(clientsFor(spec.region).s3, bucket, spec.destinationPrefix);
      const found = [...compareFiles(expected, actual), ...leftoverMarkers(actual)];
      if (actual.has('config.json')) {
        found.push(...runtimeConfigProblems(JSON.parse(actual.get('config.json')!.toString('utf8')), identity));
      }
      if (found.length > 0) fail(`${where}: bucket ${bucket}: ${found.slice(0, 10).join('; ')}`);
      else {
        const config = actual.has('config.json')
          ? "; config.json names this deployment's user pool and app client"
          : '';
        say(`${where}: ${expected.size} files in ${bucket}, identical to the assembly${config}`);
      }
    } catch (e) {
      fail(`${where}: ${(e as Error).message}`);
    }
  }
}

function reportLeftovers(
  before: Inventory,
  after: Inventory,
  retained: readonly RetainedWithId[],
  functionNames: readonly string[],
) {
  const listed = new Set([...before.listed].filter((k) => after.listed.has(k)));
  const report = leftovers(before.items, after.items, retained, listed, functionNames);
  say(`retained by the templates: ${retained.length} (${countByType(retained) || 'none'})`);
  say(`still there after destroy, as they should be: ${report.kept.length}`);
  for (const r of report.lost) fail(`retained ${r.type} ${r.id} (${r.stackName}/${r.logicalId}) is gone after destroy`);
  for (const i of report.strays)
    fail(`left after destroy though no template retains it: ${i.type} ${i.id} (${i.region})`);
  if (report.unchecked.length > 0) {
    say(
      `not checked (the endpoint cannot list their type): ${report.unchecked.length} retained (${countByType(report.unchecked)})`,
    );
  }
  for (const e of new Set([...before.errors, ...after.errors])) say(`  inventory: ${e}`);
  if (report.lambdaLogGroups.length > 0) {
    say(
      `left by Lambda itself, not by a stack (AWS leaves these too): ${report.lambdaLogGroups.map((i) => i.id).join(', ')}`,
    );
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    say(`FAILED: ${(error as Error).message}`);
    process.exit(1);
  },
);
