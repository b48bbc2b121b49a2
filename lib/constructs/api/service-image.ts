import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ContainerImageBuild } from '@cdklabs/deploy-time-build';
import { CfnResource, IgnoreMode, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { adoptManagedLogGroup, ManagedLogGroupSettings } from './managed-log-groups';
import { acknowledge, nagArnParts, nagAssetBucketObjects } from '../nag';

const PROJECT_ROOT = path.join(__dirname, '..', '..', '..');
/** The service's workspace; also the image's build context (`docker build services/checkout-api`). */
export const SERVICE_DIR = path.join(PROJECT_ROOT, 'services', 'checkout-api');

/**
 * What the build context holds: the Dockerfile and the files the container runs, i.e. the esbuild
 * bundle the tests start (dist/: server.js, its source map, the RDS CA bundle) and the SQL
 * migrations it applies at start-up. Nothing else of the workspace (sources, tests,
 * node_modules) reaches the image build, nor the build's record (dist/build-meta.json), which
 * changes with any input, even where the bundle does not: the context, and so the image, changes
 * only with the bundle, the Dockerfile or a migration.
 */
const CONTEXT_FILES = ['Dockerfile', '.dockerignore', 'dist', 'migrations'];
const contextExclude = (files: readonly string[]) => [
  '*',
  ...files.flatMap((f) => [`!${f}`, `!${f}/**`]),
  'dist/build-meta.json',
];

/**
 * The service's build, known to the infrastructure only through its build interface
 * (services/checkout-api/README.md, "Build interface"), never through the service's code:
 *
 * - the command `node services/checkout-api/scripts/build.js`: exit status 0 when `dist/` holds a
 *   build of the current sources (it builds only when an input changed), anything else when the
 *   build failed, with the reason on stderr; what it prints is for people, not parsed here;
 * - its outputs, `BUILD_OUTPUTS` (what the Dockerfile copies), and `dist/build-meta.json`, the
 *   record `{ "files": { "<path from the repository root>": "<sha256 of its content>", … } }` of
 *   every file the build read.
 *
 * When the record's files all still have their hashes, the build would do nothing, so synth checks
 * that here (a few dozen file hashes, about 20 ms) and starts the command only otherwise: a
 * process start costs more (Node alone, 50–200 ms; through npm another 0.2–0.3 s). The command
 * stays the authority: a record this check cannot read just means it runs.
 */
const BUILD_SCRIPT = path.join(SERVICE_DIR, 'scripts', 'build.js');
const BUILD_RECORD = path.join(SERVICE_DIR, 'dist', 'build-meta.json');
/** What the image needs of the workspace after a build (the Dockerfile copies the dist/ files). */
const BUILD_OUTPUTS = ['Dockerfile', 'dist/server.js', 'dist/server.js.map', 'dist/rds-ca-bundle.pem'];

const outputsExist = () => BUILD_OUTPUTS.every((file) => existsSync(path.join(SERVICE_DIR, file)));
const sha256Of = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/**
 * True when the outputs exist and every file in the build record (`record`: dist/build-meta.json)
 * still has its recorded sha256, i.e. when the build command would do nothing.
 */
export function serviceBuildIsCurrent(record = BUILD_RECORD): boolean {
  try {
    const { files } = JSON.parse(readFileSync(record, 'utf8')) as { files: Record<string, string> };
    const recorded = Object.entries(files);
    return (
      recorded.length > 0 &&
      outputsExist() &&
      recorded.every(([file, sha256]) => {
        const full = path.join(PROJECT_ROOT, file);
        return existsSync(full) && sha256Of(full) === sha256;
      })
    );
  } catch {
    return false; // no record yet, or one this check does not understand: the command decides
  }
}

let built = false;

function buildService(): void {
  if (built) return;
  if (serviceBuildIsCurrent()) {
    built = true;
    return;
  }
  const result = spawnSync(process.execPath, [BUILD_SCRIPT], { cwd: PROJECT_ROOT, encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(
      `The checkout service's build failed (npm run build:checkout), so its image cannot be built:\n${result.stderr || result.stdout || result.error}`,
    );
  }
  const missing = BUILD_OUTPUTS.find((file) => !existsSync(path.join(SERVICE_DIR, file)));
  if (missing) {
    throw new Error(`services/checkout-api/${missing} is missing: the checkout image is built from it at deploy time`);
  }
  built = true;
}

export interface CheckoutServiceImageProps {
  /** `securecart-<profile>`: the repository name. */
  readonly prefix: string;
  readonly removalPolicy: RemovalPolicy;
  /** The build trigger function's log group: the tier key and the profile's retention. */
  readonly logs: ManagedLogGroupSettings;
}

/**
 * The checkout service's container image, built at deploy time by CodeBuild on ARM64
 * (`@cdklabs/deploy-time-build`), so whoever runs `cdk deploy` needs no Docker engine and the
 * cloud assembly holds no Docker image asset (ADR 13). The build context is uploaded as an
 * ordinary file asset: the Dockerfile plus the bundle `npm run build:checkout`
 * produced at synth (cached by the service's build by content hash). Like the Lambda bundles, the
 * service is not built when the stack is not being bundled (`aws:cdk:bundling-stacks`, the tests).
 */
export class CheckoutServiceImage extends Construct {
  readonly image: ecs.ContainerImage;
  readonly repository: ecr.Repository;

  constructor(scope: Construct, id: string, props: CheckoutServiceImageProps) {
    super(scope, id);
    const bundling = Stack.of(this).bundlingRequired;
    if (bundling) buildService();

    this.repository = new ecr.Repository(this, 'Repository', {
      repositoryName: `${props.prefix}/checkout-api`,
      // Every build pushes a fresh random tag, so tags never need to move.
      imageTagMutability: ecr.TagMutability.IMMUTABLE,
      imageScanOnPush: true,
      encryption: ecr.RepositoryEncryption.AES_256,
      lifecycleRules: [{ description: 'Keep the last 10 images', maxImageCount: 10 }],
      removalPolicy: props.removalPolicy,
      emptyOnDelete: props.removalPolicy === RemovalPolicy.DESTROY,
    });

    const build = new ContainerImageBuild(this, 'Build', {
      directory: SERVICE_DIR,
      // Without bundling (tests, other stacks' deploys) the bundle is left out of the asset: it may not exist yet.
      exclude: contextExclude(bundling ? CONTEXT_FILES : CONTEXT_FILES.filter((f) => f !== 'dist')),
      ignoreMode: IgnoreMode.DOCKER,
      platform: Platform.LINUX_ARM64,
      repository: this.repository,
    });
    this.image = build.toEcsDockerImageCode();
    this.acknowledgeBuilder(props);
  }

  /**
   * cdk-nag acknowledgements for what ContainerImageBuild creates at the stack's root: its CodeBuild
   * project and the function that starts builds (one each per stack).
   */
  private acknowledgeBuilder(props: CheckoutServiceImageProps) {
    const root = Stack.of(this).node.children;
    const project = root.find((c) => c.node.id.startsWith('ContainerImageBuildArm64')) as codebuild.Project | undefined;
    const trigger = root.find((c) => c.node.id.startsWith('DeployTimeBuildCustomResourceHandler')) as
      lambda.Function | undefined;
    if (!project?.role || !trigger?.role) {
      throw new Error('ContainerImageBuild changed shape: review the cdk-nag acknowledgements in service-image.ts');
    }
    const bucketObjects = nagAssetBucketObjects(this);
    const { partition, region } = nagArnParts(this);
    const projectRef = (Stack.of(this).getLogicalId(project.node.defaultChild as CfnResource) as string) ?? '';
    acknowledge(project.role.node.findChild('DefaultPolicy'), {
      'AwsSolutions-IAM5[Resource::*]':
        'ecr:GetAuthorizationToken has no resource-level permissions; pushing is limited to the checkout repository.',
      [`AwsSolutions-IAM5[Resource::arn:${partition}:logs:${region}:<AWS::AccountId>:log-group:/aws/codebuild/<${projectRef}>:*]`]:
        "CodeBuild's own log group for this project: the streams of each build are created under it.",
      [`AwsSolutions-IAM5[Resource::arn:${partition}:codebuild:${region}:<AWS::AccountId>:report-group/<${projectRef}>-*]`]:
        "CodeBuild's default report-group permission, limited to this project's report groups (it creates none).",
      'AwsSolutions-IAM5[Action::s3:GetBucket*]':
        "Asset.grantRead: the build reads its source zip from the CDK bootstrap bucket (CDK's read grant on an asset).",
      'AwsSolutions-IAM5[Action::s3:GetObject*]':
        "Asset.grantRead: the build reads its source zip from the CDK bootstrap bucket (CDK's read grant on an asset).",
      'AwsSolutions-IAM5[Action::s3:List*]':
        "Asset.grantRead: the build reads its source zip from the CDK bootstrap bucket (CDK's read grant on an asset).",
      [`AwsSolutions-IAM5[Resource::${bucketObjects}]`]:
        'Read access to the CDK bootstrap asset bucket, where the build context zip is uploaded under a content-hash key.',
    });
    acknowledge(project.role, {
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonElasticContainerRegistryPublicReadOnly]':
        'AWS-managed read-only policy for pulling public base images from ECR Public during the build; it grants no write access.',
    });
    acknowledge(trigger.node.defaultChild as CfnResource, {
      'AwsSolutions-L1':
        'ContainerImageBuild pins its build-trigger function to nodejs22.x, the Node major SecureCart runs everywhere (DESIGN.md section 6).',
    });
    acknowledge(trigger.role, {
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]':
        'AWS-managed policy that only lets the build-trigger function write its own CloudWatch Logs.',
    });
    adoptManagedLogGroup(trigger, props.logs);
    acknowledge(project, {
      'AwsSolutions-CB3':
        "docker buildx needs privileged mode; the project only builds this repository's Dockerfile from the deploy's own S3 asset, in an ephemeral build environment.",
      'AwsSolutions-CB4':
        'The project writes no build artifacts or cache (the image goes to ECR, encrypted there); its ephemeral build environment is encrypted by CodeBuild.',
    });
  }
}
