import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildSecureCart, SecureCartStacks } from '../../lib/app';
import { APP_CONTEXT } from '../../lib/app-context';
import { ProfileName, resolveProfile, Profile } from '../../lib/config/profiles';

/** The feature flags and defaults from cdk.json (and APP_CONTEXT), so tests synthesize exactly what `cdk synth` does. */
export const CDK_CONTEXT: Record<string, unknown> = JSON.parse(
  readFileSync(join(__dirname, '../../cdk.json'), 'utf8'),
).context;

export interface Synthesized {
  readonly profile: Profile;
  readonly app: App;
  readonly stacks: SecureCartStacks;
  readonly outdir: string;
  /** The template of a stack, by stack object. */
  template(stack: Stack): Template;
}

/**
 * A fresh App with cdk.json's context and a throw-away output directory. Lambda bundling is
 * skipped (`aws:cdk:bundling-stacks: []`) unless `bundle` is set: templates are identical apart
 * from asset hashes, and the tests run several times faster. `test/bundling.test.ts` and the
 * benchmarks exercise the real esbuild bundles.
 */
export function newApp(extraContext: Record<string, unknown> = {}, options: { bundle?: boolean } = {}): App {
  const outdir = mkdtempSync(join(tmpdir(), 'securecart-test-'));
  const bundling = options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] };
  // Path and asset metadata on, as `cdk synth` has them: tests find resources and assets by them.
  const context = {
    ...CDK_CONTEXT,
    ...APP_CONTEXT,
    'aws:cdk:enable-path-metadata': true,
    'aws:cdk:enable-asset-metadata': true,
    // A fixed region (not the developer's CDK_DEFAULT_REGION), away from us-east-1 so the edge
    // web ACL is a real cross-region reference.
    region: 'eu-west-1',
    ...bundling,
    ...extraContext,
  };
  return new App({ context, outdir });
}

/**
 * Synthesizes the whole SecureCart app for one profile. Call it once per test file, in `beforeAll`.
 * With `nag`, cdk-nag's AwsSolutionsChecks run inside synthesis; findings make synth throw
 * (use `synthesizeWithNag` to read them).
 */
export function synthesize(profileName: ProfileName, options: { nag?: boolean; bundle?: boolean } = {}): Synthesized {
  const app = newApp({ profile: profileName }, { bundle: options.bundle });
  let profile: Profile;
  let stacks: SecureCartStacks;
  try {
    if (options.nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    profile = resolveProfile(profileName);
    stacks = buildSecureCart(app, profile);
    app.synth();
  } catch (error) {
    cleanUp(app); // nobody else holds the output directory yet
    throw error;
  }
  const cache = new Map<Stack, Template>();
  return {
    profile,
    app,
    stacks,
    outdir: app.outdir,
    template(stack) {
      if (!cache.has(stack)) cache.set(stack, Template.fromJSON(app.synth().getStackByName(stack.stackName).template));
      return cache.get(stack)!;
    },
  };
}

/**
 * Removes the output directory of an app from `newApp` or `synthesize` (call it in `afterAll`, also
 * for apps built inside tests: each has its own directory under the OS temp dir).
 */
export function cleanUp(s: { outdir: string } | undefined) {
  if (s?.outdir) rmSync(s.outdir, { recursive: true, force: true });
}

/**
 * Replaces volatile values (asset hashes, generated names that embed them) so that a snapshot
 * changes only when the template does.
 */
export function normaliseTemplate(template: unknown): unknown {
  return JSON.parse(
    JSON.stringify(template).replace(
      /[0-9a-f]{64}(\.zip|\.json)?/g,
      (_m, ext: string | undefined) => `[ASSET_HASH]${ext ?? ''}`,
    ),
  );
}

/**
 * Synthesizes each profile once for the calling test file (or `describe`): in a `beforeAll`, with
 * an `afterAll` that removes the output directories. The returned objects can be destructured at
 * once and read inside tests and later hooks:
 * `const { sandbox, prod } = synthesizeForFile(['sandbox', 'prod']);`. Reading one before the
 * `beforeAll` has run (at collection time) throws.
 */
export function synthesizeForFile<P extends ProfileName>(
  profileNames: readonly P[],
  options: { bundle?: boolean } = {},
): { readonly [K in P]: Synthesized } {
  const done = new Map<ProfileName, Synthesized>();
  beforeAll(() => {
    for (const name of profileNames) done.set(name, synthesize(name, options));
  });
  afterAll(() => [...done.values()].forEach(cleanUp));
  const view = (name: P): Synthesized => {
    const get = () => {
      const s = done.get(name);
      if (!s) throw new Error(`profile ${name} is synthesized in beforeAll: read it inside a test or hook`);
      return s;
    };
    return {
      get profile() {
        return get().profile;
      },
      get app() {
        return get().app;
      },
      get stacks() {
        return get().stacks;
      },
      get outdir() {
        return get().outdir;
      },
      template: (stack) => get().template(stack),
    };
  };
  return Object.fromEntries(profileNames.map((name) => [name, view(name)])) as { readonly [K in P]: Synthesized };
}

/**
 * Apps built inside tests (`newApp`), whose output directories are removed after the file's (or
 * `describe`'s) tests, also when a test fails.
 */
export function scratchApps(): (extraContext?: Record<string, unknown>) => App {
  const apps: App[] = [];
  afterAll(() => apps.forEach(cleanUp));
  return (extraContext) => {
    const app = newApp(extraContext);
    apps.push(app);
    return app;
  };
}
