/**
 * Per-handler bundle size and cold module-load time, measured on what `cdk synth` actually
 * bundles: synthesizes the Pipeline stack, maps each Lambda function to its asset, then times
 * fresh `node` processes that load the bundle (as the Lambda runtime would: same NODE_OPTIONS)
 * against an empty handler loaded the same way. Medians of N processes, interleaved.
 *
 *   npm run bench:lambda [-- --runs 7 --profile sandbox]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '7' }, profile: { type: 'string', default: 'sandbox' } },
});
const runs = Math.max(5, Number(values.runs));
const root = join(__dirname, '..');
const SIZE_TARGET = 350 * 1024;
const LOAD_RATIO_TARGET = 1.7;

const out = mkdtempSync(join(tmpdir(), 'securecart-bench-lambda-'));
try {
  const synth = spawnSync(
    join(root, 'node_modules', '.bin', 'cdk'),
    ['synth', '--no-notices', '-q', '-o', out, '-c', `profile=${values.profile}`],
    {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true', CDK_VALIDATION: 'false' },
    },
  );
  if (synth.status !== 0) throw new Error(`cdk synth failed:\n${synth.stderr}`);

  const template = JSON.parse(readFileSync(join(out, `SecureCart-${values.profile}-Pipeline.template.json`), 'utf8'));
  const bundles: { name: string; dir: string; nodeOptions: string }[] = [];
  for (const resource of Object.values<any>(template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::Function' || !resource.Metadata?.['aws:asset:path']) continue;
    // A pipeline handler is named by its step (its lambda/<step> folder); CDK-internal functions
    // (custom resources) have no service name. The construct path is not used: it moves with refactors.
    const name: string | undefined = resource.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME;
    if (resource.Properties.Handler !== 'index.handler' || !name) continue;
    bundles.push({
      name,
      dir: join(out, resource.Metadata['aws:asset:path']),
      nodeOptions: resource.Properties.Environment?.Variables?.NODE_OPTIONS ?? '',
    });
  }
  if (bundles.length === 0) throw new Error('no pipeline handlers found in the template');

  const emptyDir = join(out, 'empty-handler');
  spawnSync('mkdir', ['-p', emptyDir]);
  writeFileSync(join(emptyDir, 'index.mjs'), 'export const handler = async () => ({});\n');

  // No Node 20 support warning: Lambda runs these on nodejs22.x, where the SDK prints none.
  const env = {
    ...process.env,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_LAMBDA_FUNCTION_NAME: 'bench',
  };
  const loadOnce = (dir: string, nodeOptions: string) => {
    const start = process.hrtime.bigint();
    const r = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', `await import(${JSON.stringify(join(dir, 'index.mjs'))})`],
      {
        env: { ...env, NODE_OPTIONS: nodeOptions },
        encoding: 'utf8',
      },
    );
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (r.status !== 0) throw new Error(`loading ${dir} failed:\n${r.stderr}`);
    return ms;
  };
  const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };

  const nodeOptions = bundles[0].nodeOptions;
  loadOnce(emptyDir, nodeOptions); // warm the file cache
  const emptyTimes: number[] = [];
  const times = new Map<string, number[]>(bundles.map((b) => [b.name, []]));
  for (let i = 0; i < runs; i++) {
    emptyTimes.push(loadOnce(emptyDir, nodeOptions));
    for (const b of bundles) times.get(b.name)!.push(loadOnce(b.dir, b.nodeOptions));
  }
  const empty = median(emptyTimes);

  console.log(
    `lambda benchmark (profile ${values.profile}, ${runs} fresh processes each, NODE_OPTIONS="${nodeOptions}")`,
  );
  console.log(`  empty handler: median load ${empty.toFixed(1)} ms`);
  console.log(`  ${'handler'.padEnd(20)} ${'bundle KB'.padStart(10)} ${'load ms'.padStart(9)} ${'ratio'.padStart(6)}`);
  let worstSize = 0;
  let worstRatio = 0;
  for (const b of bundles.sort((x, y) => x.name.localeCompare(y.name))) {
    const size = statSync(join(b.dir, 'index.mjs')).size;
    const load = median(times.get(b.name)!);
    worstSize = Math.max(worstSize, size);
    worstRatio = Math.max(worstRatio, load / empty);
    console.log(
      `  ${b.name.padEnd(20)} ${(size / 1024).toFixed(1).padStart(10)} ${load.toFixed(1).padStart(9)} ${(load / empty).toFixed(2).padStart(6)}`,
    );
  }
  console.log(
    `  largest bundle ${(worstSize / 1024).toFixed(1)} KB (target <= ${SIZE_TARGET / 1024}); worst load ratio ${worstRatio.toFixed(2)} (target <= ${LOAD_RATIO_TARGET})`,
  );
} finally {
  rmSync(out, { recursive: true, force: true });
}
