/**
 * Template adjustments for ../shared/aws-emulator ONLY (used by scripts/smoke-emulator.sh, never for
 * LocalStack or AWS). Each one works around a defect of the emulator (moto 5.2.1 + its patches)
 * found while proving the smoke suite, and leaves the behaviour the suite checks unchanged:
 *
 *  1. AWS::KMS::Key `Tags` are removed. moto builds CloudFormation keys by passing the CFN tags
 *     ({Key, Value}) to the KMS tagger, which expects {TagKey, TagValue}: `KeyError: 'TagKey'`,
 *     CREATE_FAILED. The tags (app, profile) are metadata; nothing reads them.
 *  2. AWS::SNS::Subscription `RawMessageDelivery: false` is removed (false is the default, so on
 *     CloudFormation the template means the same). The emulator's CFN-1 patch stores the string
 *     "false", which moto's delivery code treats as true: envelope subscriptions got raw messages.
 *
 * Usage: tsx scripts/emulator-workarounds.ts CDK_OUT_DIR  (rewrites the *.template.json files)
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

interface Template {
  Resources?: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
}

export function applyWorkarounds(template: Template): string[] {
  const applied: string[] = [];
  for (const [id, resource] of Object.entries(template.Resources ?? {})) {
    const props = resource.Properties;
    if (!props) continue;
    if (resource.Type === 'AWS::KMS::Key' && 'Tags' in props) {
      delete props.Tags;
      applied.push(`${id}: KMS key tags removed`);
    }
    if (
      resource.Type === 'AWS::SNS::Subscription' &&
      (props.RawMessageDelivery === false || props.RawMessageDelivery === 'false')
    ) {
      delete props.RawMessageDelivery;
      applied.push(`${id}: RawMessageDelivery=false left to its default`);
    }
  }
  return applied;
}

function main(dir: string | undefined): void {
  if (!dir) throw new Error('usage: emulator-workarounds.ts CDK_OUT_DIR');
  let tags = 0;
  let raw = 0;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.template.json'))) {
    const path = join(dir, file);
    const template = JSON.parse(readFileSync(path, 'utf8')) as Template;
    const applied = applyWorkarounds(template);
    if (applied.length === 0) continue;
    writeFileSync(path, JSON.stringify(template, null, 1));
    tags += applied.filter((a) => a.includes('KMS')).length;
    raw += applied.filter((a) => a.includes('RawMessageDelivery')).length;
  }
  console.log(
    `emulator workarounds: ${tags} KMS key Tags removed (moto KeyError 'TagKey'), ${raw} RawMessageDelivery=false left to the default (emulator stores "false" as true)`,
  );
}

if (require.main === module) main(process.argv[2]);
