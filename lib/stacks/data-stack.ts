import { Annotations, CfnOutput, Duration, Stack, StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { Profile } from '../config/profiles';
import { TierKey } from '../constructs/encryption';
import { Observable, OpsAlarms } from '../constructs/ops-alarms';
import { PostgresDatabase } from '../constructs/postgres-database';
import { TABLE_KEYS } from '@securecart/contracts';
import { AFFINITY_KEYS } from '@securecart/contracts/clickstream';
import { SUBNETS } from './network-stack';

export interface DataStackProps extends StackProps {
  readonly profile: Profile;
  /** Required when the profile has a relational database. */
  readonly vpc?: ec2.IVpc;
  /** Only these security groups may reach PostgreSQL. */
  readonly databaseClients?: ec2.ISecurityGroup[];
}

/**
 * The data tier: a customer-managed key, the DynamoDB tables Catalog, Carts, Idempotency and
 * ProductAffinity (the clickstream's aggregates), and
 * RDS PostgreSQL (a PostgresDatabase) when the profile hosts one.
 */
export class DataStack extends Stack {
  readonly key: kms.Key;
  readonly catalogTable: dynamodb.Table;
  readonly cartsTable: dynamodb.Table;
  readonly idempotencyTable: dynamodb.Table;
  /** The clickstream's aggregates (contracts/clickstream.ts AFFINITY_KEYS): the consumer writes, the service reads. */
  readonly productAffinityTable: dynamodb.Table;
  /** Undefined when the profile hosts no relational database. */
  readonly database: PostgresDatabase | undefined;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    const { profile } = props;
    const dataKey = new TierKey(this, 'DataKey', {
      aliasName: `securecart-${profile.name}-data`,
      description: `SecureCart ${profile.name}: data at rest (RDS, DynamoDB, secrets, database logs)`,
      removalPolicy: profile.removalPolicy,
    });
    this.key = dataKey.key;

    const table = (tableId: string, partitionKey: string, ttlAttribute?: string, sortKey?: string) =>
      new dynamodb.Table(this, tableId, {
        partitionKey: { name: partitionKey, type: dynamodb.AttributeType.STRING },
        sortKey: sortKey ? { name: sortKey, type: dynamodb.AttributeType.STRING } : undefined,
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
        encryptionKey: this.key,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        timeToLiveAttribute: ttlAttribute,
        deletionProtection: profile.deletionProtection,
        removalPolicy: profile.removalPolicy,
      });
    const { catalog, carts, idempotency } = TABLE_KEYS;
    this.catalogTable = table('CatalogTable', catalog.partitionKey);
    this.cartsTable = table('CartsTable', carts.partitionKey, carts.ttlAttribute);
    this.idempotencyTable = table('IdempotencyTable', idempotency.partitionKey, idempotency.ttlAttribute);
    const affinity = AFFINITY_KEYS;
    this.productAffinityTable = table(
      'ProductAffinityTable',
      affinity.partitionKey,
      affinity.ttlAttribute,
      affinity.sortKey,
    );
    new CfnOutput(this, 'ProductAffinityTableName', { value: this.productAffinityTable.tableName });
    new CfnOutput(this, 'CatalogTableName', { value: this.catalogTable.tableName });
    new CfnOutput(this, 'CartsTableName', { value: this.cartsTable.tableName });
    new CfnOutput(this, 'IdempotencyTableName', { value: this.idempotencyTable.tableName });

    this.database = profile.tiers.relationalDatabase ? this.postgres(props, dataKey) : undefined;
    if (!this.database) {
      Annotations.of(this).addInfo(
        `Profile "${profile.name}" hosts no relational database: RDS PostgreSQL (and the VPC it needs) is not part of this deployment.`,
      );
    }
  }

  /**
   * The data tier's alarms and widgets, created in `scope` (the Monitoring stack): this stack is
   * deployed before the ops topic exists (docs/adr/0015-monitoring.md). DynamoDB read and write
   * throttle events per table; the database's own (PostgresDatabase.observe).
   */
  observe(scope: Construct, alarms: OpsAlarms): Observable {
    const period = Duration.minutes(1);
    const tables = {
      Catalog: this.catalogTable,
      Carts: this.cartsTable,
      Idempotency: this.idempotencyTable,
      ProductAffinity: this.productAffinityTable,
    };
    const throttles = Object.entries(tables).flatMap(([name, table]) =>
      Object.entries({ read: 'ReadThrottleEvents', write: 'WriteThrottleEvents' }).map(([kind, metricName]) =>
        table.metric(metricName, { period, statistic: 'Sum', label: `${name} ${kind} throttles` }),
      ),
    );
    const database = this.database?.observe(scope, alarms);
    return {
      alarms: database?.alarms ?? [],
      widgets: [
        new cloudwatch.GraphWidget({ title: 'DynamoDB: throttle events', left: throttles, width: 12 }),
        ...(database?.widgets ?? []),
      ],
    };
  }

  private postgres({ profile, vpc, databaseClients }: DataStackProps, key: TierKey): PostgresDatabase {
    if (!vpc) throw new Error(`Profile "${profile.name}" has a relational database, so DataStack needs a vpc`);
    const database = new PostgresDatabase(this, 'Database', {
      prefix: `securecart-${profile.name}`,
      profileName: profile.name,
      vpc,
      subnets: { database: { subnetGroupName: SUBNETS.data }, rotation: { subnetGroupName: SUBNETS.app } },
      clients: databaseClients ?? [],
      key,
      ...profile.database,
      logRetentionDays: profile.logRetentionDays,
      deletionProtection: profile.deletionProtection,
      removalPolicy: profile.removalPolicy,
    });
    new CfnOutput(this, 'DatabaseEndpoint', { value: database.instance.dbInstanceEndpointAddress });
    new CfnOutput(this, 'DatabaseSecretArn', { value: database.instance.secret!.secretArn });
    return database;
  }
}
