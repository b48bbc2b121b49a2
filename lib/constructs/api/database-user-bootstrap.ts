import { RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { DATABASE_BOOTSTRAP_ENV } from '@securecart/contracts/env';
import { TierKey } from '../encryption';
import { adoptManagedLogGroup } from './managed-log-groups';
import { acknowledge, acknowledgeAwsCustomResourceProvider, awsCustomResourceProvider } from '../nag';

/** The service image's command that bootstraps the database (services/checkout-api, "Build interface"). */
export const BOOTSTRAP_COMMAND = ['node', 'dist/server.js', 'bootstrap-database'];
/** The image's unprivileged user (`node`, uid 1000; the Dockerfile's USER). */
export const SERVICE_IMAGE_USER = '1000';

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** The NOLOGIN role that owns the schema's objects and applies the migrations, for a runtime `user`. */
export function migratorRoleFor(user: string): string {
  const role = `${user}_migrator`;
  if (!IDENTIFIER.test(user) || !IDENTIFIER.test(role)) throw new Error(`Not a plain PostgreSQL identifier: ${user}`);
  return role;
}

export interface DatabaseUserBootstrapProps {
  /** The task definition family, e.g. `securecart-sandbox-db-bootstrap`. */
  readonly family: string;
  readonly cluster: ecs.ICluster;
  readonly instance: rds.DatabaseInstance;
  readonly databaseName: string;
  /** The service's IAM-authenticated user: DML only. */
  readonly user: string;
  /** The service's image: the task runs its `bootstrap-database` command. */
  readonly image: ecs.ContainerImage;
  /** A security group the database admits (the service's), and where the task runs. */
  readonly securityGroup: ec2.ISecurityGroup;
  readonly subnets: ec2.SubnetSelection;
  readonly key: TierKey;
  readonly logRetentionDays: number;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * Prepares the database for the service with least privilege (ADR 22): a one-off ECS task that
 * runs the service image's `bootstrap-database` command (non-root, read-only root file system,
 * the RDS CA bundle from the image) with the admin user from the rotated admin secret. It creates
 * the migrator role (NOLOGIN, owns the schema's objects) and the service's IAM user (DML only),
 * applies the migrations as the migrator, and grants the service its DML. An `AwsCustomResource`
 * starts it (`ecs:RunTask`) on create and whenever the task definition changes: a new image (new
 * migrations), another database endpoint. The admin password reaches this task only; the service
 * never sees it, and it never migrates (its readiness waits until the migrations are applied).
 *
 * RunTask does not wait for the task to finish: new service tasks stay unready until the task has
 * applied the migrations their image ships (a minute at most; see ADR 13 and ADR 22).
 */
export class DatabaseUserBootstrap extends Construct {
  readonly taskDefinition: ecs.FargateTaskDefinition;
  /** The custom resource that starts the task; the service depends on it. */
  readonly trigger: cr.AwsCustomResource;

  constructor(scope: Construct, id: string, props: DatabaseUserBootstrapProps) {
    super(scope, id);
    const adminSecret = props.instance.secret;
    if (!adminSecret) throw new Error('DatabaseUserBootstrap needs the instance admin secret');
    // Imported by ARN: granting the Data stack's secret directly would also name this stack's
    // execution role in the data key's policy (a grant through secretsmanager), a cycle between
    // the stacks. The role gets kms:Decrypt on the key in its own policy instead (below).
    const secret = secretsmanager.Secret.fromSecretCompleteArn(this, 'AdminSecret', adminSecret.secretArn);
    const migrator = migratorRoleFor(props.user);
    if (!IDENTIFIER.test(props.databaseName))
      throw new Error(`Not a plain PostgreSQL identifier: ${props.databaseName}`);

    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'TaskDefinition', {
      family: props.family,
      cpu: 256,
      memoryLimitMiB: 512,
      runtimePlatform: {
        cpuArchitecture: ecs.CpuArchitecture.ARM64,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
    });
    const logGroup = props.key.logGroup(this, 'Logs', {
      retentionDays: props.logRetentionDays,
      removalPolicy: props.removalPolicy,
    });
    const B = DATABASE_BOOTSTRAP_ENV;
    this.taskDefinition.addContainer('bootstrap', {
      containerName: 'bootstrap',
      image: props.image,
      command: BOOTSTRAP_COMMAND,
      user: SERVICE_IMAGE_USER,
      readonlyRootFilesystem: true,
      environment: {
        [B.host]: props.instance.dbInstanceEndpointAddress,
        [B.port]: props.instance.dbInstanceEndpointPort,
        [B.database]: props.databaseName,
        [B.runtimeUser]: props.user,
        [B.migratorRole]: migrator,
        [B.iamAuthentication]: 'true',
      },
      secrets: {
        [B.adminUser]: ecs.Secret.fromSecretsManager(secret, 'username'),
        [B.adminPassword]: ecs.Secret.fromSecretsManager(secret, 'password'),
      },
      logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: 'db-bootstrap' }),
      essential: true,
    });
    adminSecret.encryptionKey?.grant(this.taskDefinition.obtainExecutionRole(), 'kms:Decrypt');
    acknowledge(this.taskDefinition, {
      'AwsSolutions-ECS2':
        'The environment holds only the database endpoint, port and name and the two role names; the admin credentials come from Secrets Manager as ECS secrets.',
    });
    const executionPolicy = this.taskDefinition.obtainExecutionRole().node.tryFindChild('DefaultPolicy');
    if (executionPolicy) {
      acknowledge(executionPolicy, {
        'AwsSolutions-IAM5[Resource::*]':
          'ecr:GetAuthorizationToken (pulling the service image) supports no resource-level permissions; the pull actions name the checkout repository.',
      });
    }

    const subnetIds = props.cluster.vpc.selectSubnets(props.subnets).subnetIds;
    const runTask: cr.AwsSdkCall = {
      service: 'ECS',
      action: 'runTask',
      parameters: {
        cluster: props.cluster.clusterArn,
        taskDefinition: this.taskDefinition.taskDefinitionArn,
        launchType: 'FARGATE',
        count: 1,
        startedBy: 'securecart-db-bootstrap',
        networkConfiguration: {
          awsvpcConfiguration: {
            subnets: subnetIds,
            securityGroups: [props.securityGroup.securityGroupId],
            assignPublicIp: 'DISABLED',
          },
        },
      },
      // The task definition ARN in the parameters changes with each revision (image, endpoint),
      // which makes CloudFormation update this resource, i.e. run the task again.
      physicalResourceId: cr.PhysicalResourceId.of(`db-bootstrap-${props.user}`),
      outputPaths: ['tasks.0.taskArn'],
    };
    const passRoles = [this.taskDefinition.taskRole, this.taskDefinition.executionRole!];
    this.trigger = new cr.AwsCustomResource(this, 'RunOnce', {
      onCreate: runTask,
      onUpdate: runTask,
      installLatestAwsSdk: false,
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({
          actions: ['ecs:RunTask'],
          resources: [this.taskDefinition.taskDefinitionArn],
          conditions: { ArnEquals: { 'ecs:cluster': props.cluster.clusterArn } },
        }),
        new iam.PolicyStatement({ actions: ['iam:PassRole'], resources: passRoles.map((r) => r.roleArn) }),
      ]),
    });
    adoptManagedLogGroup(awsCustomResourceProvider(this), {
      key: props.key,
      retentionDays: props.logRetentionDays,
      removalPolicy: props.removalPolicy,
    });
    acknowledgeAwsCustomResourceProvider(this);
  }
}
