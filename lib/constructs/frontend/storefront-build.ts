import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import * as path from 'node:path';

const PROJECT_ROOT = path.join(__dirname, '..', '..', '..');
const WEB_ROOT = path.join(PROJECT_ROOT, 'web');
const CACHE_DIR = path.join(PROJECT_ROOT, 'node_modules', '.cache', 'securecart-web');

/** What the storefront build reads: its sources, its build config, the shared contracts and the lock file. */
const INPUTS = [
  'web/src',
  'web/public',
  'web/build',
  'web/index.html',
  'web/vite.config.ts',
  'web/package.json',
  'web/tsconfig.json',
  'contracts',
  'package-lock.json',
];

function files(relative: string): string[] {
  const full = path.join(PROJECT_ROOT, relative);
  if (!existsSync(full)) return [];
  if (!statSync(full).isDirectory()) return [relative];
  return readdirSync(full)
    .sort()
    .flatMap((entry) => files(path.join(relative, entry)));
}

/** sha256 over the path and content of every input file. */
function storefrontSourceHash(): string {
  const hash = createHash('sha256');
  for (const file of INPUTS.flatMap(files)) {
    hash
      .update(file)
      .update('\0')
      .update(readFileSync(path.join(PROJECT_ROOT, file)))
      .update('\0');
  }
  return hash.digest('hex');
}

let built: string | undefined;

/**
 * The storefront's production build (`vite build`, no Docker), cached in node_modules/.cache by
 * the hash of everything it is built from: a synth with unchanged sources reuses it, so synth
 * stays fast. The build itself enforces the JavaScript budget (web/build/size-budget.ts) and fails
 * synth when it is exceeded. `config.json` is not part of the build: the Frontend stack writes it
 * per deployment.
 */
export function storefrontBuild(): string {
  if (built) return built;
  const key = storefrontSourceHash().slice(0, 32);
  const out = path.join(CACHE_DIR, key);
  if (existsSync(path.join(out, 'index.html'))) return (built = out);

  const staging = path.join(CACHE_DIR, `build-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(CACHE_DIR, { recursive: true });
  const vite = path.join(PROJECT_ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  const result = spawnSync(
    process.execPath,
    [vite, 'build', '--outDir', staging, '--emptyOutDir', '--logLevel', 'warn'],
    {
      cwd: WEB_ROOT,
      encoding: 'utf8',
      env: { ...process.env, NODE_ENV: 'production' },
    },
  );
  if (result.status !== 0) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error(`storefront build failed (vite build in web/):\n${result.stdout}\n${result.stderr}`);
  }
  // Keep only the newest build; a concurrent synth keeps whichever complete build it finds.
  for (const old of readdirSync(CACHE_DIR)) {
    if (old !== path.basename(staging)) rmSync(path.join(CACHE_DIR, old), { recursive: true, force: true });
  }
  renameSync(staging, out);
  return (built = out);
}

/** Stands in for the build when a stack skips bundling (tests): the SPA's static public folder. */
export const STOREFRONT_PLACEHOLDER = path.join(WEB_ROOT, 'public');
