/**
 * Full-app synth wall time versus a minimal one-bucket app, synthesized the same way
 * (the pinned cdk CLI, same flags, same environment), interleaved, medians of N runs each.
 *
 *   npm run bench:synth [-- --runs 5 --profile sandbox]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '5' }, profile: { type: 'string', default: 'sandbox' } },
});
const runs = Math.max(3, Number(values.runs));
const root = join(__dirname, '..');
const cdk = join(root, 'node_modules', '.bin', 'cdk');

const apps = {
  full: 'node --import tsx bin/securecart.ts',
  minimal: 'node --import tsx scripts/bench/minimal-app.ts',
} as const;

function synthOnce(app: string): number {
  const out = mkdtempSync(join(tmpdir(), 'securecart-bench-'));
  const start = process.hrtime.bigint();
  const r = spawnSync(
    cdk,
    ['synth', '--no-notices', '-q', '--app', app, '-o', out, '-c', `profile=${values.profile}`],
    {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true', CDK_VALIDATION: 'false' },
    },
  );
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  rmSync(out, { recursive: true, force: true });
  if (r.status !== 0) throw new Error(`synth of "${app}" failed:\n${r.stderr}`);
  return ms;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// Handler bundles are cached between syntheses (lib/constructs/handler-bundles.ts): "cold" runs
// delete the cache first (a fresh clone, or handler code changed), "warm" runs keep it.
const bundleCache = join(root, 'node_modules', '.cache', 'securecart-handlers');

synthOnce(apps.minimal); // warm the file system cache; not counted
const times = { minimal: [] as number[], cold: [] as number[], warm: [] as number[] };
for (let i = 0; i < runs; i++) {
  times.minimal.push(synthOnce(apps.minimal));
  rmSync(bundleCache, { recursive: true, force: true });
  times.cold.push(synthOnce(apps.full));
  times.warm.push(synthOnce(apps.full));
}
const minimal = median(times.minimal);
const fmt = (xs: number[]) => xs.map((x) => (x / 1000).toFixed(2)).join(' ');
const row = (label: string, xs: number[]) =>
  console.log(
    `  ${label.padEnd(34)} median ${(median(xs) / 1000).toFixed(2)} s  ratio ${(median(xs) / minimal).toFixed(2)}  [${fmt(xs)}]`,
  );
console.log(
  `synth benchmark (profile ${values.profile}, ${runs} runs each, cdk CLI, CDK_VALIDATION=false; target ratio <= 1.5)`,
);
row('minimal one-bucket app', times.minimal);
row('full app, handler bundles cached', times.warm);
row('full app, bundles built (cold)', times.cold);
