import { createHash } from 'node:crypto';
import { RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { TierKey } from '../encryption';
import { adoptManagedLogGroup } from './managed-log-groups';
import { acknowledge, acknowledgeAwsCustomResourceProvider, awsCustomResourceProvider } from '../nag';
import { containerImage, imageReference } from '../../config/container-images';
import { pinnedRegistryImage } from '../pinned-image';

/**
 * psql from the official PostgreSQL image (ECR Public mirror of Docker Hub's library image), ARM64
 * like the service. The major matches the server (PostgresDatabase: PostgreSQL 18); tag and digest
 * in lib/config/container-images.json.
 */
export const BOOTSTRAP_IMAGE = imageReference(containerImage('postgresClient'));
/** The Amazon RDS certificate bundle, so psql verifies the server (sslmode=verify-full). */
const RDS_CA_BUNDLE_URL = 'https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem';

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * The SQL that makes `user` a login role that authenticates with IAM (`rds_iam`) and may create
 * its own tables (the service applies its migrations at start-up as this user). Idempotent: it
 * runs again after every change without harm.
 */
export function bootstrapSql(user: string, database: string): string {
  if (!IDENTIFIER.test(user) || !IDENTIFIER.test(database)) {
    throw new Error(`Not a plain PostgreSQL identifier: ${user} / ${database}`);
  }
  return [
    `SELECT format('CREATE ROLE %I LOGIN', '${user}') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${user}') \\gexec`,
    `GRANT rds_iam TO ${user};`,
    `GRANT CONNECT ON DATABASE ${database} TO ${user};`,
    // PostgreSQL 15+ gives nobody CREATE on schema public: the service's migrations need it.
    `GRANT USAGE, CREATE ON SCHEMA public TO ${user};`,
  ].join('\n');
}

export interface DatabaseUserBootstrapProps {
  /** The task definition family, e.g. `securecart-sandbox-db-bootstrap`. */
  readonly family: string;
  readonly cluster: ecs.ICluster;
  readonly instance: rds.DatabaseInstance;
  readonly databaseName: string;
  /** The IAM-authenticated user to create. */
  readonly user: string;
  /** A security group the database admits (the service's), and where the task runs. */
  readonly securityGroup: ec2.ISecurityGroup;
  readonly subnets: ec2.SubnetSelection;
  readonly key: TierKey;
  readonly logRetentionDays: number;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * Creates the service's database user: a one-off ECS task (psql, ARM64) that connects as the
 * admin user from the rotated admin secret over verified TLS and runs `bootstrapSql`. An
 * `AwsCustomResource` starts it (`ecs:RunTask`) on create and whenever the task definition
 * changes (new SQL, another database endpoint). The admin password reaches this task only; the
 * service never sees it.
 *
 * RunTask does not wait for the task to finish: the service may start first, fail to connect
 * and be restarted by ECS until the user exists (a minute at most; see ADR 13).
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
    const sql = bootstrapSql(props.user, props.databaseName);

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
    const script = [
      'set -eu',
      `wget -qO /tmp/rds-ca.pem ${RDS_CA_BUNDLE_URL}`,
      'export PGSSLROOTCERT=/tmp/rds-ca.pem PGSSLMODE=verify-full',
      `psql -v ON_ERROR_STOP=1 <<'SQL'\n${sql}\nSQL`,
      `echo "database user ${props.user} is ready"`,
    ].join('\n');
    this.taskDefinition.addContainer('psql', {
      image: pinnedRegistryImage(this, 'postgresClient'),
      entryPoint: ['sh', '-c'],
      command: [script],
      environment: {
        PGHOST: props.instance.dbInstanceEndpointAddress,
        PGPORT: props.instance.dbInstanceEndpointPort,
        PGDATABASE: props.databaseName,
        PGCONNECT_TIMEOUT: '10',
      },
      secrets: {
        PGUSER: ecs.Secret.fromSecretsManager(secret, 'username'),
        PGPASSWORD: ecs.Secret.fromSecretsManager(secret, 'password'),
      },
      logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: 'db-bootstrap' }),
      essential: true,
    });
    adminSecret.encryptionKey?.grant(this.taskDefinition.obtainExecutionRole(), 'kms:Decrypt');
    acknowledge(this.taskDefinition, {
      'AwsSolutions-ECS2':
        'The environment holds only the database endpoint, port and name; the admin credentials come from Secrets Manager as ECS secrets.',
    });

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
      // Changes with the SQL; the task definition ARN changes with its revision (endpoint, image).
      physicalResourceId: cr.PhysicalResourceId.of(`db-bootstrap-${sha(sql)}`),
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

const sha = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 16);
