import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SERVICE_DIR, serviceBuildIsCurrent } from '../../lib/constructs/api/service-image';

/**
 * The checkout service's build interface (services/checkout-api/README.md, "Build interface"), as
 * the Api stack uses it: the command, and the record in dist/build-meta.json that synth checks
 * itself before it starts the command.
 */
describe('the checkout service build interface', () => {
  const record = join(SERVICE_DIR, 'dist', 'build-meta.json');
  const scratch = mkdtempSync(join(tmpdir(), 'securecart-service-build-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  beforeAll(() => {
    // A no-op when the service's own test setup (or a synth) has built the current sources.
    const build = spawnSync(process.execPath, [join(SERVICE_DIR, 'scripts', 'build.js')], { encoding: 'utf8' });
    expect({ status: build.status, stderr: build.stderr }).toEqual({ status: 0, stderr: expect.any(String) });
  });

  test('after the command, the synth-time check finds the build current (and the command would do nothing)', () => {
    expect(serviceBuildIsCurrent()).toBe(true);
    const { files } = JSON.parse(readFileSync(record, 'utf8'));
    expect(Object.keys(files)).toEqual(
      expect.arrayContaining([
        'package-lock.json',
        'services/checkout-api/scripts/build.js',
        'services/checkout-api/src/main.ts',
        'contracts/env.ts',
      ]),
    );
    for (const sha256 of Object.values(files)) expect(sha256).toMatch(/^[0-9a-f]{64}$/);
    const again = spawnSync(process.execPath, [join(SERVICE_DIR, 'scripts', 'build.js')], { encoding: 'utf8' });
    expect(again.stdout).toContain('is up to date');
  });

  test('a changed file, a file gone, an empty or unreadable record: not current, so synth runs the command', () => {
    const { files } = JSON.parse(readFileSync(record, 'utf8')) as { files: Record<string, string> };
    const [first] = Object.keys(files);
    const variant = (name: string, content: string) => {
      const file = join(scratch, name);
      writeFileSync(file, content);
      return serviceBuildIsCurrent(file);
    };
    expect(variant('same.json', JSON.stringify({ files }))).toBe(true);
    expect(variant('changed.json', JSON.stringify({ files: { ...files, [first]: '0'.repeat(64) } }))).toBe(false);
    expect(
      variant('gone.json', JSON.stringify({ files: { ...files, 'contracts/no-such-file.ts': '0'.repeat(64) } })),
    ).toBe(false);
    expect(variant('empty.json', JSON.stringify({ files: {} }))).toBe(false);
    expect(variant('old-format.json', JSON.stringify({ hash: '0'.repeat(64), inputs: Object.keys(files) }))).toBe(
      false,
    );
    expect(variant('garbage.json', 'not json')).toBe(false);
    expect(serviceBuildIsCurrent(join(scratch, 'missing.json'))).toBe(false);
  });
});
