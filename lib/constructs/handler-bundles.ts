import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { buildSync, version as esbuildVersion } from 'esbuild';
import { IConstruct } from 'constructs';

const PROJECT_ROOT = path.join(__dirname, '..', '..');
const LAMBDA_ROOT = path.join(PROJECT_ROOT, 'lambda');

/** Handler steps: every `lambda/<step>/index.ts`. */
export function handlerSteps(): string[] {
  return readdirSync(LAMBDA_ROOT)
    .filter((d) => existsSync(path.join(LAMBDA_ROOT, d, 'index.ts')))
    .sort();
}

/**
 * esbuild options for every handler bundle: nodejs22, ES module (`index.mjs`: loads about 40 ms
 * faster than the CommonJS build of the same code), minified with external source maps, SDK v3
 * clients bundled (pinned versions, no dependency on the runtime's copy).
 */
const BUNDLE_OPTIONS = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'esm',
  outExtension: { '.js': '.mjs' },
  // Some bundled CommonJS dependencies call require() for Node built-ins.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  mainFields: ['module', 'main'],
  // Lambda hands the role's credentials over in environment variables: the SDK's default chain
  // (SSO, INI, process, web identity, IMDS and the STS/SSO clients they pull in) is dead weight.
  alias: { '@aws-sdk/credential-provider-node': path.join(LAMBDA_ROOT, 'shared', 'env-credentials.ts') },
  logLevel: 'warning',
} as const;

/** Where bundles are kept between syntheses; reused while every input file is unchanged. */
const CACHE_DIR = path.join(PROJECT_ROOT, 'node_modules', '.cache', 'securecart-handlers');

interface Manifest {
  /** Options, esbuild version, entry points and the lock file. */
  readonly key: string;
  /** sha256 of every project file the last build read (from esbuild's metafile). */
  readonly inputs: Record<string, string>;
}

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const fileHash = (file: string) => (existsSync(file) ? sha256(readFileSync(file)) : 'missing');

function cacheKey(steps: string[]): string {
  return sha256(
    JSON.stringify({
      BUNDLE_OPTIONS,
      esbuildVersion,
      steps,
      lock: fileHash(path.join(PROJECT_ROOT, 'package-lock.json')),
    }),
  );
}

/** The cached bundles, if the key matches and no input file changed since they were built. */
function cachedBundles(key: string): string | undefined {
  try {
    const manifest: Manifest = JSON.parse(readFileSync(path.join(CACHE_DIR, 'manifest.json'), 'utf8'));
    if (manifest.key !== key) return undefined;
    for (const [file, hash] of Object.entries(manifest.inputs))
      if (fileHash(path.join(PROJECT_ROOT, file)) !== hash) return undefined;
    return path.join(CACHE_DIR, 'out');
  } catch {
    return undefined;
  }
}

function buildAll(): string {
  const steps = handlerSteps();
  const key = cacheKey(steps);
  const cached = cachedBundles(key);
  if (cached) return cached;

  const staging = path.join(CACHE_DIR, `build-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  const result = buildSync({
    ...BUNDLE_OPTIONS,
    mainFields: [...BUNDLE_OPTIONS.mainFields],
    outExtension: { ...BUNDLE_OPTIONS.outExtension },
    banner: { ...BUNDLE_OPTIONS.banner },
    entryPoints: Object.fromEntries(steps.map((s) => [`${s}/index`, path.join(LAMBDA_ROOT, s, 'index.ts')])),
    outdir: path.join(staging, 'out'),
    absWorkingDir: PROJECT_ROOT,
    metafile: true,
  });
  // Project files only: node_modules is covered by the lock file in the key.
  const inputs = Object.fromEntries(
    Object.keys(result.metafile!.inputs)
      .filter((f) => !f.startsWith('node_modules/'))
      .map((f) => [f, fileHash(path.join(PROJECT_ROOT, f))]),
  );
  writeFileSync(path.join(staging, 'manifest.json'), JSON.stringify({ key, inputs } satisfies Manifest));
  // Swap the finished build in; a concurrent synth keeps whichever complete build it finds.
  mkdirSync(CACHE_DIR, { recursive: true });
  rmSync(path.join(CACHE_DIR, 'out'), { recursive: true, force: true });
  rmSync(path.join(CACHE_DIR, 'manifest.json'), { force: true });
  renameSync(path.join(staging, 'out'), path.join(CACHE_DIR, 'out'));
  renameSync(path.join(staging, 'manifest.json'), path.join(CACHE_DIR, 'manifest.json'));
  rmSync(staging, { recursive: true, force: true });
  return path.join(CACHE_DIR, 'out');
}

let bundled: string | undefined;

/**
 * All handlers bundled by ONE esbuild build (ADR 0007), cached in node_modules/.cache until a file
 * the bundles were built from changes: `NodejsFunction` would spawn an esbuild process per
 * function on every synth, which made synth six times slower than a one-bucket app.
 * When the stack skips bundling (`aws:cdk:bundling-stacks`), the handler's source folder stands in.
 */
export function handlerCode(scope: IConstruct, step: string): lambda.Code {
  if (!existsSync(path.join(LAMBDA_ROOT, step, 'index.ts'))) throw new Error(`No handler at lambda/${step}/index.ts`);
  if (!Stack.of(scope).bundlingRequired) return lambda.Code.fromAsset(path.join(LAMBDA_ROOT, step));
  bundled ??= buildAll();
  return lambda.Code.fromAsset(path.join(bundled, step));
}
