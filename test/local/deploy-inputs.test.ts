import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deployInputsHash } from '../../scripts/local/run';

/*
 * npm run local deploys again only when the CDK app's inputs changed (scripts/local/run.ts): the hash
 * follows the contents of tracked and untracked files under bin/, lib/, lambda/, contracts/ and the
 * root config, and nothing else (other folders, git-ignored files).
 */

let repo: string;
beforeEach(() => {
  repo = mkdtempSync(join(tmpdir(), 'securecart-deploy-inputs-'));
  execFileSync('git', ['init', '-q'], { cwd: repo });
  for (const dir of ['lib', 'lambda', 'web']) mkdirSync(join(repo, dir));
  writeFileSync(join(repo, 'lib', 'stack.ts'), 'export const a = 1;\n');
  writeFileSync(join(repo, 'cdk.json'), '{}\n');
  writeFileSync(join(repo, '.gitignore'), 'lambda/dist/\n');
  execFileSync('git', ['add', '.'], { cwd: repo });
});
afterEach(() => rmSync(repo, { recursive: true, force: true }));

test('a change to a stack source, or a new untracked handler file, changes the hash', () => {
  const before = deployInputsHash(repo);
  expect(deployInputsHash(repo)).toBe(before);
  writeFileSync(join(repo, 'lib', 'stack.ts'), 'export const a = 2;\n');
  const edited = deployInputsHash(repo);
  expect(edited).not.toBe(before);
  writeFileSync(join(repo, 'lambda', 'handler.ts'), 'export const handler = () => 1;\n');
  expect(deployInputsHash(repo)).not.toBe(edited);
});

test('the storefront, git-ignored build output and other folders do not count', () => {
  const before = deployInputsHash(repo);
  writeFileSync(join(repo, 'web', 'app.tsx'), 'export {};\n');
  mkdirSync(join(repo, 'lambda', 'dist'));
  writeFileSync(join(repo, 'lambda', 'dist', 'bundle.js'), '1');
  writeFileSync(join(repo, 'notes.md'), 'x');
  expect(deployInputsHash(repo)).toBe(before);
});
