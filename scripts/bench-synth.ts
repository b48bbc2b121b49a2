/**
 * Full-app synth wall time versus a minimal one-bucket app, synthesized the same way
 * (the pinned cdk CLI, same flags, same environment), interleaved, medians of N runs each.
 * The full app is every stack of the profile (it lists them), synthesized twice per round:
 *   - cached: the build caches kept, as on a developer's second synth;
 *   - cold:   every build cache removed first, as on a fresh clone: the Lambda handler bundles
 *             (node_modules/.cache/securecart-handlers), the storefront SPA (…/securecart-web)
 *             and the checkout service's bundle (services/checkout-api/dist/build-meta.json).
 * Targets: cached <= 1.5x the minimal app, cold <= 2.5x. Exits 1 when a target is missed.
 *
 *   npm run bench:synth [-- --runs 5 --profile sandbox]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '5' }, profile: { type: 'string', default: 'sandbox' } },
});
const runs = Math.max(3, Number(values.runs));
const root = join(__dirname, '..');
const cdk = join(root, 'node_modules', '.bin', 'cdk');
const TARGETS = { cached: 1.5, cold: 2.5 } as const;

const apps = {
  full: 'node --import tsx bin/securecart.ts',
  minimal: 'node --import tsx scripts/bench/minimal-app.ts',
} as const;

/** Every build cache a synth of the full app fills (see lib/constructs/handler-bundles.ts, storefront-build.ts, service-image.ts). */
const BUILD_CACHES = [
  join(root, 'node_modules', '.cache', 'securecart-handlers'),
  join(root, 'node_modules', '.cache', 'securecart-web'),
  // The service's build skips itself while this records unchanged inputs (services/checkout-api/scripts/build.js).
  join(root, 'services', 'checkout-api', 'dist', 'build-meta.json'),
];

function synthOnce(app: string): { ms: number; stacks: string[] } {
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
  try {
    if (r.status !== 0) throw new Error(`synth of "${app}" failed:\n${r.stderr}`);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    const stacks = Object.entries<{ type: string }>(manifest.artifacts ?? {})
      .filter(([, a]) => a.type === 'aws:cloudformation:stack')
      .map(([name]) => name);
    return { ms, stacks };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

synthOnce(apps.minimal); // warm the file system cache; not counted
const { stacks } = synthOnce(apps.full); // fills the build caches; not counted
const times = { minimal: [] as number[], cold: [] as number[], cached: [] as number[] };
for (let i = 0; i < runs; i++) {
  times.minimal.push(synthOnce(apps.minimal).ms);
  for (const cache of BUILD_CACHES) rmSync(cache, { recursive: true, force: true });
  times.cold.push(synthOnce(apps.full).ms);
  times.cached.push(synthOnce(apps.full).ms);
}
const minimal = median(times.minimal);
const ratio = (xs: number[]) => median(xs) / minimal;
const fmt = (xs: number[]) => xs.map((x) => (x / 1000).toFixed(2)).join(' ');
const row = (label: string, xs: number[], target?: number) =>
  console.log(
    `  ${label.padEnd(38)} median ${(median(xs) / 1000).toFixed(2)} s  ratio ${ratio(xs).toFixed(2)}${target ? ` (target <= ${target})` : ''}  [${fmt(xs)}]`,
  );
console.log(
  `synth benchmark (profile ${values.profile}, ${runs} runs each, cdk CLI, CDK_VALIDATION=false)\n  full app: ${stacks.length} stacks: ${stacks.join(', ')}`,
);
row('minimal one-bucket app', times.minimal);
row('full app, build caches kept', times.cached, TARGETS.cached);
row('full app, every build cache removed (cold)', times.cold, TARGETS.cold);
const missed = [
  ratio(times.cached) > TARGETS.cached ? 'cached' : undefined,
  ratio(times.cold) > TARGETS.cold ? 'cold' : undefined,
].filter(Boolean);
if (missed.length) {
  console.log(`  missed: ${missed.join(', ')}`);
  process.exitCode = 1;
}
