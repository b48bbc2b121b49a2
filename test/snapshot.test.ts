import { Stack } from 'aws-cdk-lib';
import { PROFILE_NAMES } from '../lib/config/profiles';
import { normaliseTemplate, synthesizeForFile } from './helpers/synth';

/**
 * One snapshot per stack per profile. Asset hashes are normalised, so a snapshot changes only
 * when a template does. Review the diff, then `npx jest -u`.
 */
describe.each(PROFILE_NAMES.map((p) => [p]))('snapshots, profile %s', (profileName) => {
  const s = synthesizeForFile([profileName])[profileName];

  test('every stack matches its snapshot', () => {
    const stacks = s.app.node.children.filter(Stack.isStack);
    expect(stacks.length).toBeGreaterThan(0);
    for (const stack of stacks) {
      expect(normaliseTemplate(s.template(stack).toJSON())).toMatchSnapshot(stack.stackName);
    }
  });
});

test('normalisation hides asset hashes and nothing else', () => {
  const hash = 'a'.repeat(64);
  expect(normaliseTemplate({ S3Key: `${hash}.zip`, Other: 'abc123', Short: 'f'.repeat(63) })).toEqual({
    S3Key: '[ASSET_HASH].zip',
    Other: 'abc123',
    Short: 'f'.repeat(63),
  });
});
