import { Annotations, CfnOutput, Duration, Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as rds from 'aws-cdk-lib/aws-rds';
import { Construct } from 'constructs';
import { Profile } from '../config/profiles';
import { TierKey } from '../constructs/encryption';
import { TABLE_KEYS } from '../contracts';
import { SUBNETS } from './network-stack';

export interface DataStackProps extends StackProps {
  readonly profile: Profile;
  /** Required when the profile has a relational database. */
  readonly vpc?: ec2.IVpc;
  /** Only these security groups may reach PostgreSQL on 5432. */
  readonly databaseClients?: ec2.ISecurityGroup[];
}

export const POSTGRES_PORT = 5432;

/**
 * The data tier: a customer-managed key, RDS PostgreSQL in the isolated subnets (when the
 * profile hosts one) and the DynamoDB tables Catalog, Carts and Idempotency.
 */
export class DataStack extends Stack {
  readonly key: kms.Key;
  readonly catalogTable: dynamodb.Table;
  readonly cartsTable: dynamodb.Table;
  readonly idempotencyTable: dynamodb.Table;
  readonly database?: rds.DatabaseInstance;
  readonly databaseSecurityGroup?: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    const { profile } = props;

    const dataKey = new TierKey(this, 'DataKey', {
      aliasName: `securecart-${profile.name}-data`,
      description: `SecureCart ${profile.name}: data at rest (RDS, DynamoDB, secrets, database logs)`,
      removalPolicy: profile.removalPolicy,
    });
    this.key = dataKey.key;

    const table = (tableId: string, partitionKey: string, ttlAttribute?: string) =>
      new dynamodb.Table(this, tableId, {
        partitionKey: { name: partitionKey, type: dynamodb.AttributeType.STRING },
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
        encryptionKey: this.key,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        timeToLiveAttribute: ttlAttribute,
        deletionProtection: profile.deletionProtection,
        removalPolicy: profile.removalPolicy,
      });
    this.catalogTable = table('CatalogTable', TABLE_KEYS.catalog.partitionKey);
    this.cartsTable = table('CartsTable', TABLE_KEYS.carts.partitionKey, TABLE_KEYS.carts.ttlAttribute);
    this.idempotencyTable = table(
      'IdempotencyTable',
      TABLE_KEYS.idempotency.partitionKey,
      TABLE_KEYS.idempotency.ttlAttribute,
    );

    new CfnOutput(this, 'CatalogTableName', { value: this.catalogTable.tableName });
    new CfnOutput(this, 'CartsTableName', { value: this.cartsTable.tableName });
    new CfnOutput(this, 'IdempotencyTableName', { value: this.idempotencyTable.tableName });

    if (!profile.tiers.relationalDatabase) {
      Annotations.of(this).addInfo(
        `Profile "${profile.name}" hosts no relational database: RDS PostgreSQL (and the VPC it needs) is not part of this deployment.`,
      );
      return;
    }
    if (!props.vpc) throw new Error(`Profile "${profile.name}" has a relational database, so DataStack needs a vpc`);
    const vpc = props.vpc;

    this.databaseSecurityGroup = new ec2.SecurityGroup(this, 'DatabaseSecurityGroup', {
      vpc,
      description: `SecureCart ${profile.name} PostgreSQL: ${POSTGRES_PORT} from the checkout service only`,
      allowAllOutbound: false,
    });
    for (const client of props.databaseClients ?? []) {
      this.databaseSecurityGroup.addIngressRule(
        client,
        ec2.Port.tcp(POSTGRES_PORT),
        'PostgreSQL from an approved client',
      );
    }

    const isolated = { subnetGroupName: SUBNETS.data };
    const instanceType = new ec2.InstanceType(profile.database.instanceType);
    // Exported database logs go to log groups we own: encrypted with the data key, with the
    // profile's retention, and no log-retention custom resource Lambda.
    const exportedLogs = ['postgresql', 'upgrade'];
    const databaseLogGroups = (instanceIdentifier: string) =>
      exportedLogs.map((log) =>
        dataKey.logGroup(this, `${instanceIdentifier}-${log}-logs`, {
          logGroupName: `/aws/rds/instance/${instanceIdentifier}/${log}`,
          retentionDays: profile.logRetentionDays,
          removalPolicy: profile.removalPolicy,
        }),
      );
    const common: Omit<rds.DatabaseInstanceReadReplicaProps, 'sourceDatabaseInstance'> = {
      vpc,
      vpcSubnets: isolated,
      securityGroups: [this.databaseSecurityGroup],
      instanceType,
      storageType: rds.StorageType.GP3,
      iamAuthentication: true,
      enablePerformanceInsights: true,
      performanceInsightEncryptionKey: this.key,
      performanceInsightRetention: rds.PerformanceInsightRetention.DEFAULT,
      cloudwatchLogsExports: exportedLogs,
      autoMinorVersionUpgrade: true,
      deletionProtection: profile.deletionProtection,
      removalPolicy: profile.removalPolicy,
      publiclyAccessible: false,
      port: POSTGRES_PORT,
      monitoringInterval: Duration.seconds(60),
      caCertificate: rds.CaCertificate.RDS_CA_RSA2048_G1,
    };

    const parameterGroup = new rds.ParameterGroup(this, 'DatabaseParameters', {
      engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_18 }),
      description: `SecureCart ${profile.name}: TLS only, connection and statement logging`,
      parameters: {
        'rds.force_ssl': '1',
        log_connections: '1',
        log_disconnections: '1',
        log_min_duration_statement: '1000',
      },
    });

    const primaryId = `securecart-${profile.name}-db`;
    const primaryLogs = databaseLogGroups(primaryId);
    this.database = new rds.DatabaseInstance(this, 'Database', {
      ...common,
      instanceIdentifier: primaryId,
      engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_18 }),
      parameterGroup,
      storageEncrypted: true,
      storageEncryptionKey: this.key,
      databaseName: 'securecart',
      credentials: rds.Credentials.fromGeneratedSecret('securecart_admin', {
        encryptionKey: this.key,
        secretName: `securecart/${profile.name}/database/admin`,
      }),
      multiAz: profile.database.multiAz,
      allocatedStorage: profile.database.allocatedStorageGiB,
      maxAllocatedStorage: profile.database.maxAllocatedStorageGiB,
      backupRetention: Duration.days(profile.database.backupRetentionDays),
      deleteAutomatedBackups: !profile.deletionProtection,
      copyTagsToSnapshot: true,
    });
    // Rotation runs in the app subnets: it needs the Secrets Manager API (through NAT) and the database.
    this.database.addRotationSingleUser({
      automaticallyAfter: Duration.days(profile.database.rotationDays),
      vpcSubnets: { subnetGroupName: SUBNETS.app },
    });

    primaryLogs.forEach((lg) => this.database!.node.addDependency(lg));
    acknowledgeMonitoringRole(this.database);

    if (profile.database.readReplica) {
      const replicaId = `securecart-${profile.name}-db-replica`;
      const replicaLogs = databaseLogGroups(replicaId);
      // A same-region replica inherits storage encryption and its key from the primary
      // (CloudFormation rejects StorageEncrypted/KmsKeyId together with SourceDBInstanceIdentifier).
      const replica = new rds.DatabaseInstanceReadReplica(this, 'DatabaseReadReplica', {
        ...common,
        instanceIdentifier: replicaId,
        sourceDatabaseInstance: this.database,
      });
      replicaLogs.forEach((lg) => replica.node.addDependency(lg));
      acknowledgeMonitoringRole(replica);
      Validations.of(replica).acknowledge({
        id: 'AwsSolutions-RDS11',
        reason: "The replica keeps PostgreSQL's default port like its primary; access is limited by security group.",
      });
      Validations.of(replica).acknowledge({
        id: 'AwsSolutions-RDS2',
        reason:
          'A same-region read replica inherits storage encryption and the data key from its encrypted primary; CloudFormation rejects StorageEncrypted on a replica.',
      });
      Validations.of(replica).acknowledge({
        id: 'AwsSolutions-RDS3',
        reason:
          'The read replica serves read scaling only; availability comes from the Multi-AZ primary, and a lost replica is re-created from it.',
      });
    }
    if (!profile.database.multiAz) {
      Validations.of(this.database).acknowledge({
        id: 'AwsSolutions-RDS3',
        reason: `Profile "${profile.name}" is a disposable sandbox: single-AZ halves the database cost; prod runs Multi-AZ.`,
      });
    }
    if (!profile.deletionProtection) {
      Validations.of(this.database).acknowledge({
        id: 'AwsSolutions-RDS10',
        reason: `Profile "${profile.name}" must be removable with cdk destroy; prod enables deletion protection.`,
      });
    }

    new CfnOutput(this, 'DatabaseEndpoint', { value: this.database.dbInstanceEndpointAddress });
    new CfnOutput(this, 'DatabaseSecretArn', { value: this.database.secret!.secretArn });
    Validations.of(this.database).acknowledge({
      id: 'AwsSolutions-RDS11',
      reason:
        'PostgreSQL keeps its default port 5432: it is reachable only from the security groups handed to the Data stack, in isolated subnets, so a non-default port adds no protection.',
    });
  }
}

/** Enhanced Monitoring needs its AWS-managed service role policy; it grants only CloudWatch Logs writes for RDS metrics. */
function acknowledgeMonitoringRole(instance: rds.DatabaseInstanceBase) {
  const role = instance.node.tryFindChild('MonitoringRole');
  if (!role) return;
  Validations.of(role).acknowledge({
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole]',
    reason:
      'AWS-managed policy made for RDS Enhanced Monitoring: it only lets RDS write OS metrics to the RDSOSMetrics log group.',
  });
}
