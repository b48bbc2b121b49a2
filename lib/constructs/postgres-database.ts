import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as rds from 'aws-cdk-lib/aws-rds';
import { Construct } from 'constructs';
import { DatabaseProfile } from '../config/profiles';
import { TierKey } from './encryption';
import { acknowledge } from './nag';
import { Observable, OpsAlarms, RUNBOOKS } from './ops-alarms';

const POSTGRES_PORT = 5432;

/** The profile's database settings (`Profile['database']`) plus what the stack supplies. */
export interface PostgresDatabaseProps extends DatabaseProfile {
  /** `securecart-<profile>`: the instance identifiers and the secret name derive from it. */
  readonly prefix: string;
  readonly profileName: string;
  readonly vpc: ec2.IVpc;
  /** Where the instances live (isolated) and where secret rotation runs (needs the Secrets Manager API). */
  readonly subnets: { readonly database: ec2.SubnetSelection; readonly rotation: ec2.SubnetSelection };
  /** Only these security groups may reach PostgreSQL. */
  readonly clients: ec2.ISecurityGroup[];
  /** Encrypts storage, Performance Insights, the secret and the exported logs. */
  readonly key: TierKey;
  readonly logRetentionDays: number;
  readonly deletionProtection: boolean;
  readonly removalPolicy: RemovalPolicy;
}

const ENGINE = rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_18 });
const GIB = 1024 ** 3;

/** Memory (GiB) of a Graviton/Intel instance class and size, e.g. `t4g.micro` → 1, `m7g.large` → 8. */
export function instanceMemoryGiB(instanceType: string): number {
  const [family, size] = instanceType.split('.');
  const burstable: Record<string, number> = { micro: 1, small: 2, medium: 4, large: 8, xlarge: 16, '2xlarge': 32 };
  if (/^t\d/.test(family) && burstable[size] !== undefined) return burstable[size];
  // m: 4 GiB per vCPU, r: 8 GiB per vCPU; large = 2 vCPU, xlarge = 4, Nxlarge = 4N.
  const perVcpu = /^m\d/.test(family) ? 4 : /^r\d/.test(family) ? 8 : undefined;
  const vcpus = size === 'large' ? 2 : size === 'xlarge' ? 4 : Number(/^(\d+)xlarge$/.exec(size)?.[1]) * 4;
  if (perVcpu === undefined || !(vcpus > 0)) {
    throw new Error(`No memory size known for instance type "${instanceType}": add it to instanceMemoryGiB`);
  }
  return perVcpu * vcpus;
}

/**
 * PostgreSQL's default max_connections on RDS: LEAST(DBInstanceClassMemory / 9531392, 5000).
 * DBInstanceClassMemory is somewhat below the class's nominal memory (RDS keeps some for itself),
 * so this is an upper estimate; alarms use a share of it.
 */
export function estimatedMaxConnections(instanceType: string): number {
  return Math.min(Math.floor((instanceMemoryGiB(instanceType) * GIB) / 9_531_392), 5000);
}

/** Alarm when free storage drops below this: 10 % of the allocated storage, at least 2 GiB. */
export function lowStorageBytes(allocatedStorageGiB: number): number {
  return Math.max(2, Math.ceil(allocatedStorageGiB / 10)) * GIB;
}
/** Exported database logs go to log groups we own (the data key, the profile's retention, no custom resource). */
const EXPORTED_LOGS = ['postgresql', 'upgrade'];

/**
 * RDS PostgreSQL 18 in the isolated subnets: TLS only, IAM authentication, encrypted with the data
 * key, a generated admin secret that rotates, backups, Enhanced Monitoring and Performance
 * Insights; a read replica where the profile asks for one. Reachable only from `clients`.
 */
export class PostgresDatabase extends Construct {
  readonly instance: rds.DatabaseInstance;
  readonly replica?: rds.DatabaseInstanceReadReplica;
  readonly securityGroup: ec2.SecurityGroup;
  private readonly sizing: Pick<PostgresDatabaseProps, 'instanceType' | 'allocatedStorageGiB' | 'prefix'>;

  constructor(scope: Construct, id: string, props: PostgresDatabaseProps) {
    super(scope, id);
    this.sizing = props;
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: `SecureCart ${props.profileName} PostgreSQL: ${POSTGRES_PORT} from approved client security groups only`,
      allowAllOutbound: false,
    });
    for (const client of props.clients) {
      this.securityGroup.addIngressRule(client, ec2.Port.tcp(POSTGRES_PORT), 'PostgreSQL from an approved client');
    }

    const common: Omit<rds.DatabaseInstanceReadReplicaProps, 'sourceDatabaseInstance'> = {
      vpc: props.vpc,
      vpcSubnets: props.subnets.database,
      securityGroups: [this.securityGroup],
      instanceType: new ec2.InstanceType(props.instanceType),
      storageType: rds.StorageType.GP3,
      iamAuthentication: true,
      enablePerformanceInsights: true,
      performanceInsightEncryptionKey: props.key.key,
      performanceInsightRetention: rds.PerformanceInsightRetention.DEFAULT,
      cloudwatchLogsExports: EXPORTED_LOGS,
      autoMinorVersionUpgrade: true,
      deletionProtection: props.deletionProtection,
      removalPolicy: props.removalPolicy,
      publiclyAccessible: false,
      port: POSTGRES_PORT,
      monitoringInterval: Duration.seconds(60),
      caCertificate: rds.CaCertificate.RDS_CA_RSA2048_G1,
    };
    // Slow statements are logged, their bind values never: an order insert carries the customer's
    // address (and, until the claim check, the payment token). The replica uses the same group.
    const parameterGroup = new rds.ParameterGroup(this, 'Parameters', {
      engine: ENGINE,
      description: `SecureCart ${props.profileName}: TLS only, connection and statement logging without bind values`,
      parameters: {
        'rds.force_ssl': '1',
        log_connections: '1',
        log_disconnections: '1',
        log_min_duration_statement: '1000',
        log_parameter_max_length: '0',
        log_parameter_max_length_on_error: '0',
      },
    });

    const primaryId = `${props.prefix}-db`;
    this.instance = new rds.DatabaseInstance(this, 'Instance', {
      ...common,
      instanceIdentifier: primaryId,
      engine: ENGINE,
      parameterGroup,
      storageEncrypted: true,
      storageEncryptionKey: props.key.key,
      databaseName: 'securecart',
      credentials: rds.Credentials.fromGeneratedSecret('securecart_admin', {
        encryptionKey: props.key.key,
        secretName: `securecart/${props.profileName}/database/admin`,
      }),
      multiAz: props.multiAz,
      allocatedStorage: props.allocatedStorageGiB,
      maxAllocatedStorage: props.maxAllocatedStorageGiB,
      backupRetention: Duration.days(props.backupRetentionDays),
      deleteAutomatedBackups: !props.deletionProtection,
      copyTagsToSnapshot: true,
    });
    this.ownLogGroups(this.instance, primaryId, props);
    this.instance.addRotationSingleUser({
      automaticallyAfter: Duration.days(props.rotationDays),
      vpcSubnets: props.subnets.rotation,
    });
    acknowledge(this.instance, {
      'AwsSolutions-RDS11':
        'PostgreSQL keeps its default port 5432: it is reachable only from approved client security groups, in isolated subnets, so a non-default port adds no protection.',
      ...(props.multiAz
        ? {}
        : {
            'AwsSolutions-RDS3': `Profile "${props.profileName}" is a disposable sandbox: single-AZ halves the database cost; prod runs Multi-AZ.`,
          }),
      ...(props.deletionProtection
        ? {}
        : {
            'AwsSolutions-RDS10': `Profile "${props.profileName}" must be removable with cdk destroy; prod enables deletion protection.`,
          }),
    });

    if (props.readReplica) {
      const replicaId = `${props.prefix}-db-replica`;
      // A same-region replica inherits storage encryption and its key from the primary
      // (CloudFormation rejects StorageEncrypted/KmsKeyId together with SourceDBInstanceIdentifier).
      this.replica = new rds.DatabaseInstanceReadReplica(this, 'ReadReplica', {
        ...common,
        instanceIdentifier: replicaId,
        sourceDatabaseInstance: this.instance,
        parameterGroup,
      });
      this.ownLogGroups(this.replica, replicaId, props);
      acknowledge(this.replica, {
        'AwsSolutions-RDS11':
          "The replica keeps PostgreSQL's default port like its primary; access is limited by security group.",
        'AwsSolutions-RDS2':
          'A same-region read replica inherits storage encryption and the data key from its encrypted primary; CloudFormation rejects StorageEncrypted on a replica.',
        'AwsSolutions-RDS3':
          'The read replica serves read scaling only; availability comes from the Multi-AZ primary, and a lost replica is re-created from it.',
      });
    }
  }

  /**
   * The database's alarms and widgets, created in `scope`: the ops topic lives in the Pipeline
   * stack, which is deployed after the Data stack, so the Monitoring stack builds them here from
   * this construct's metrics (docs/adr/0015-monitoring.md). Per instance (primary, replica): free
   * storage below lowStorageBytes, connections at 70 % of the estimated max_connections; CPU,
   * connections and free storage on the dashboard.
   */
  observe(scope: Construct, alarms: OpsAlarms): Observable {
    const period = Duration.minutes(5);
    const instances: [string, rds.DatabaseInstanceBase][] = [
      ['Primary', this.instance],
      ...(this.replica ? [['Replica', this.replica] as [string, rds.DatabaseInstanceBase]] : []),
    ];
    const lowStorage = lowStorageBytes(this.sizing.allocatedStorageGiB);
    const maxConnections = estimatedMaxConnections(this.sizing.instanceType);
    const connectionsThreshold = Math.floor(maxConnections * 0.7);
    const created = instances.flatMap(([name, db]) => {
      const free = db.metricFreeStorageSpace({ period, statistic: 'Minimum' });
      // OpsAlarms fires at or above a threshold: "free below lowStorage" as a 0/1 expression.
      const storageLow = new cloudwatch.MathExpression({
        expression: `IF(free < ${lowStorage}, 1, 0)`,
        usingMetrics: { free },
        period,
        label: `free storage below ${lowStorage / GIB} GiB`,
      });
      return [
        alarms.alarm(scope, `Database${name}StorageLow`, {
          metric: storageLow,
          summary: `${this.sizing.prefix} PostgreSQL (${name.toLowerCase()}): free storage below ${lowStorage / GIB} GiB for 15 minutes; writes (new orders) stop when it runs out`,
          runbook: RUNBOOKS.databaseStorage,
          evaluationPeriods: 3,
        }),
        alarms.alarm(scope, `Database${name}Connections`, {
          metric: db.metricDatabaseConnections({ period, statistic: 'Maximum' }),
          summary: `${this.sizing.prefix} PostgreSQL (${name.toLowerCase()}): ${connectionsThreshold} or more connections (about 70 % of max_connections ≈ ${maxConnections}) for 10 minutes; new connections will be refused`,
          runbook: RUNBOOKS.databaseConnections,
          threshold: connectionsThreshold,
          evaluationPeriods: 2,
        }),
      ];
    });
    const minute = Duration.minutes(1);
    const each = (metric: (db: rds.DatabaseInstanceBase) => cloudwatch.IMetric) =>
      instances.map(([name, db]) => {
        const m = metric(db) as cloudwatch.Metric;
        return m.with({ label: `${name.toLowerCase()} ${m.label ?? ''}`.trim() });
      });
    const widgets: cloudwatch.IWidget[] = [
      new cloudwatch.GraphWidget({
        title: 'PostgreSQL: CPU (%)',
        left: each((db) => db.metricCPUUtilization({ period: minute, statistic: 'Maximum', label: 'CPU' })),
        leftYAxis: { min: 0, max: 100, showUnits: false },
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'PostgreSQL: connections',
        left: each((db) =>
          db.metricDatabaseConnections({ period: minute, statistic: 'Maximum', label: 'connections' }),
        ),
        leftAnnotations: [{ value: connectionsThreshold, label: 'alarm', color: '#d62728' }],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'PostgreSQL: free storage (bytes)',
        left: each((db) => db.metricFreeStorageSpace({ period: minute, statistic: 'Minimum', label: 'free storage' })),
        leftAnnotations: [{ value: lowStorage, label: 'alarm', color: '#d62728' }],
        width: 8,
      }),
    ];
    return { alarms: created, widgets };
  }

  /** The instance's exported-log groups, created before it so RDS does not create unencrypted ones. */
  private ownLogGroups(instance: rds.DatabaseInstanceBase, identifier: string, props: PostgresDatabaseProps) {
    for (const log of EXPORTED_LOGS) {
      const group = props.key.logGroup(this, `${identifier}-${log}-logs`, {
        logGroupName: `/aws/rds/instance/${identifier}/${log}`,
        retentionDays: props.logRetentionDays,
        removalPolicy: props.removalPolicy,
      });
      instance.node.addDependency(group);
    }
    // Enhanced Monitoring needs its AWS-managed service role policy.
    const role = instance.node.tryFindChild('MonitoringRole');
    if (role) {
      acknowledge(role, {
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole]':
          'AWS-managed policy made for RDS Enhanced Monitoring: it only lets RDS write OS metrics to the RDSOSMetrics log group.',
      });
    }
  }
}
