import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { PROFILES } from '../lib/config/profiles';
import { DataStack } from '../lib/stacks/data-stack';
import { NetworkStack } from '../lib/stacks/network-stack';
import { scratchApps, synthesizeForFile, Synthesized } from './helpers/synth';
import { AFFINITY_KEYS } from '@securecart/contracts/clickstream';

describe('Data stack', () => {
  const { sandbox, prod, localstack } = synthesizeForFile(['sandbox', 'prod', 'localstack']);
  /** Apps built inside tests: their output directories are removed after the file's tests. */
  const scratchApp = scratchApps();

  const data = (s: Synthesized) => s.template(s.stacks.data);
  const keyRef = { 'Fn::GetAtt': [Match.stringLikeRegexp('^DataKey'), 'Arn'] };

  describe('KMS', () => {
    test('one customer-managed key with yearly rotation and an alias per profile; a retained key waits 30 days to be deleted', () => {
      for (const s of [sandbox, prod, localstack]) {
        const t = data(s);
        t.resourceCountIs('AWS::KMS::Key', 1);
        t.hasResourceProperties('AWS::KMS::Key', {
          EnableKeyRotation: true,
          RotationPeriodInDays: 365,
          PendingWindowInDays: s === prod ? 30 : 7,
        });
        t.hasResourceProperties('AWS::KMS::Alias', { AliasName: `alias/securecart-${s.profile.name}-data` });
      }
    });
  });

  describe('RDS PostgreSQL', () => {
    test('PostgreSQL 18 in the isolated subnets, not publicly accessible', () => {
      const t = data(sandbox);
      t.hasResourceProperties('AWS::RDS::DBInstance', {
        Engine: 'postgres',
        EngineVersion: '18',
        PubliclyAccessible: false,
      });
      const groups = Object.values(t.findResources('AWS::RDS::DBSubnetGroup'));
      expect(groups).toHaveLength(1);
      const subnets = JSON.stringify(groups[0].Properties.SubnetIds);
      expect(subnets).toMatch(/dataSubnet1/);
      expect(subnets).toMatch(/dataSubnet2/);
      expect(subnets).not.toMatch(/appSubnet|publicSubnet/);
    });

    test('storage and Performance Insights encrypted with the data key; IAM auth; TLS forced; logs exported', () => {
      const t = data(sandbox);
      t.hasResourceProperties('AWS::RDS::DBInstance', {
        StorageEncrypted: true,
        KmsKeyId: keyRef,
        EnableIAMDatabaseAuthentication: true,
        EnablePerformanceInsights: true,
        PerformanceInsightsKMSKeyId: keyRef,
        EnableCloudwatchLogsExports: ['postgresql', 'upgrade'],
      });
      t.hasResourceProperties('AWS::RDS::DBParameterGroup', { Parameters: Match.objectLike({ 'rds.force_ssl': '1' }) });
      for (const log of ['postgresql', 'upgrade']) {
        t.hasResourceProperties('AWS::Logs::LogGroup', {
          LogGroupName: `/aws/rds/instance/securecart-sandbox-db/${log}`,
          KmsKeyId: keyRef,
          RetentionInDays: 14,
        });
      }
      t.resourceCountIs('Custom::LogRetention', 0);
    });

    test('sandbox: smallest Graviton burstable class, single-AZ, short backups, no replica', () => {
      const t = data(sandbox);
      t.resourceCountIs('AWS::RDS::DBInstance', 1);
      t.hasResourceProperties('AWS::RDS::DBInstance', {
        DBInstanceClass: 'db.t4g.micro',
        MultiAZ: false,
        BackupRetentionPeriod: 1,
        DeletionProtection: false,
      });
      t.hasResource('AWS::RDS::DBInstance', { DeletionPolicy: 'Delete' });
    });

    test('slow statements are logged without their bind values, on the primary and the replica alike', () => {
      for (const s of [sandbox, prod]) {
        const t = data(s);
        const groups = Object.entries(t.findResources('AWS::RDS::DBParameterGroup'));
        expect(groups).toHaveLength(1);
        const [groupId, group] = groups[0];
        expect(group.Properties.Parameters).toMatchObject({
          log_min_duration_statement: '1000',
          log_parameter_max_length: '0',
          log_parameter_max_length_on_error: '0',
        });
        const instances = Object.values(t.findResources('AWS::RDS::DBInstance'));
        expect(instances).toHaveLength(s === prod ? 2 : 1);
        for (const instance of instances) expect(instance.Properties.DBParameterGroupName).toEqual({ Ref: groupId });
      }
    });

    test('prod: Multi-AZ primary, a read replica, deletion protection, retained', () => {
      const t = data(prod);
      t.resourceCountIs('AWS::RDS::DBInstance', 2);
      t.hasResourceProperties('AWS::RDS::DBInstance', {
        DBInstanceClass: 'db.m7g.large',
        MultiAZ: true,
        BackupRetentionPeriod: 14,
        DeletionProtection: true,
      });
      // The replica inherits encryption (and the key) from the encrypted primary.
      t.hasResourceProperties('AWS::RDS::DBInstance', {
        SourceDBInstanceIdentifier: Match.anyValue(),
        StorageEncrypted: Match.absent(),
        KmsKeyId: Match.absent(),
        PerformanceInsightsKMSKeyId: keyRef,
        DeletionProtection: true,
      });
      t.allResources('AWS::RDS::DBInstance', { DeletionPolicy: Match.stringLikeRegexp('^(Retain|Snapshot)$') });
    });

    test('credentials live in Secrets Manager, encrypted with the key and rotated', () => {
      const t = data(sandbox);
      t.hasResourceProperties('AWS::SecretsManager::Secret', {
        KmsKeyId: keyRef,
        Name: 'securecart/sandbox/database/admin',
        GenerateSecretString: Match.objectLike({ GenerateStringKey: 'password' }),
      });
      t.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
        RotationRules: { ScheduleExpression: 'rate(30 days)' },
      });
      // The master password is resolved from the secret, never written into the template.
      const db = Object.values(t.findResources('AWS::RDS::DBInstance'))[0];
      expect(JSON.stringify(db.Properties.MasterUserPassword)).toContain('resolve:secretsmanager');
    });

    test('the database admits the checkout service (its security group from the Network stack) and nothing else', () => {
      for (const s of [sandbox, prod]) {
        const rules = Object.values(data(s).findResources('AWS::EC2::SecurityGroupIngress')).map((r) => r.Properties);
        const fromCheckout = rules.filter((r) =>
          JSON.stringify(r.SourceSecurityGroupId).includes('CheckoutServiceSecurityGroup'),
        );
        expect(fromCheckout).toEqual([
          expect.objectContaining({
            IpProtocol: 'tcp',
            FromPort: 5432,
            ToPort: 5432,
            GroupId: { 'Fn::GetAtt': [expect.stringMatching(/^DatabaseSecurityGroup/), 'GroupId'] },
            SourceSecurityGroupId: {
              'Fn::GetStackOutput': expect.objectContaining({ StackName: `SecureCart-${s.profile.name}-Network` }),
            },
          }),
        ]);
        expect(rules).toHaveLength(2); // the checkout service and the rotation Lambda
      }
    });

    test('the database security group has no egress, and no ingress but its clients and the rotation Lambda', () => {
      const t = data(sandbox);
      t.resourceCountIs('AWS::EC2::SecurityGroupIngress', 2); // checkout service and rotation Lambda -> database
      // The rotation Lambda reaches the database on its port (5432, set on the instance).
      t.hasResourceProperties('AWS::RDS::DBInstance', { Port: '5432' });
      const dbPort = { 'Fn::GetAtt': [Match.stringLikeRegexp('^Database'), 'Endpoint.Port'] };
      t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
        IpProtocol: 'tcp',
        FromPort: dbPort,
        ToPort: dbPort,
        SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('RotationSingleUserSecurityGroup'), 'GroupId'] },
      });
      const sg = Object.entries(t.findResources('AWS::EC2::SecurityGroup')).find(([id]) =>
        id.startsWith('DatabaseSecurityGroup'),
      )![1];
      expect(sg.Properties.SecurityGroupIngress).toBeUndefined();
      // CDK's "no egress" marker: a single rule that matches nothing.
      expect(sg.Properties.SecurityGroupEgress).toEqual([
        expect.objectContaining({ CidrIp: '255.255.255.255/32', Description: 'Disallow all traffic' }),
      ]);
    });

    test('admits 5432 from exactly the security groups handed to it', () => {
      const app = scratchApp();
      const profile = PROFILES.sandbox;
      const network = new NetworkStack(app, 'Net', { profile });
      const clients = new Stack(app, 'Clients');
      const checkout = new ec2.SecurityGroup(clients, 'Checkout', { vpc: network.vpc });
      const worker = new ec2.SecurityGroup(clients, 'Worker', { vpc: network.vpc });
      const stack = new DataStack(app, 'Data', { profile, vpc: network.vpc, databaseClients: [checkout, worker] });
      const t = Template.fromStack(stack);
      const rules = Object.values(t.findResources('AWS::EC2::SecurityGroupIngress')).map((r) => r.Properties);
      const fromClients = rules.filter((r) => JSON.stringify(r.SourceSecurityGroupId).includes('Clients'));
      expect(fromClients).toHaveLength(2);
      expect(rules).toHaveLength(3); // the two clients and the rotation Lambda
      for (const r of fromClients) {
        expect(r).toMatchObject({ IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432 });
        expect(r.CidrIp).toBeUndefined();
      }
    });

    test('refuses a relational-database profile without a VPC', () => {
      expect(() => new DataStack(scratchApp(), 'Data', { profile: PROFILES.sandbox })).toThrow(/needs a vpc/);
    });
  });

  describe('DynamoDB', () => {
    const tables = (s: Synthesized) => Object.values(data(s).findResources('AWS::DynamoDB::Table'));

    test('Catalog, Carts, Idempotency and ProductAffinity: on-demand, PITR, encrypted with the data key', () => {
      for (const s of [sandbox, prod, localstack]) {
        expect(
          tables(s)
            .map((t) => t.Properties.KeySchema[0].AttributeName)
            .sort(),
        ).toEqual(['cartId', 'id', 'pk', 'productId']);
        for (const table of tables(s)) {
          expect(table.Properties).toMatchObject({
            BillingMode: 'PAY_PER_REQUEST',
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
            SSESpecification: {
              SSEEnabled: true,
              SSEType: 'KMS',
              KMSMasterKeyId: { 'Fn::GetAtt': [expect.stringMatching(/^DataKey/), 'Arn'] },
            },
          });
        }
      }
    });

    test('Carts, Idempotency and ProductAffinity expire by TTL; Catalog never does', () => {
      const byKey = Object.fromEntries(
        tables(sandbox).map((t) => [t.Properties.KeySchema[0].AttributeName, t.Properties.TimeToLiveSpecification]),
      );
      expect(byKey).toEqual({
        cartId: { AttributeName: 'expiresAt', Enabled: true },
        id: { AttributeName: 'expiration', Enabled: true },
        pk: { AttributeName: AFFINITY_KEYS.ttlAttribute, Enabled: true },
        productId: undefined,
      });
    });

    test("ProductAffinity: the contract's key layout (pk, sk), every profile", () => {
      for (const s of [sandbox, prod, localstack]) {
        const [affinity] = tables(s).filter(
          (t) => t.Properties.KeySchema[0].AttributeName === AFFINITY_KEYS.partitionKey,
        );
        expect(affinity.Properties.KeySchema).toEqual([
          { AttributeName: AFFINITY_KEYS.partitionKey, KeyType: 'HASH' },
          { AttributeName: AFFINITY_KEYS.sortKey, KeyType: 'RANGE' },
        ]);
        expect(affinity.Properties.AttributeDefinitions).toEqual([
          { AttributeName: AFFINITY_KEYS.partitionKey, AttributeType: 'S' },
          { AttributeName: AFFINITY_KEYS.sortKey, AttributeType: 'S' },
        ]);
      }
    });

    test.each([
      ['sandbox', () => sandbox, false, 'Delete'],
      ['prod', () => prod, true, 'Retain'],
      ['localstack', () => localstack, false, 'Delete'],
    ])('%s: deletion protection and removal policy follow the profile', (_n, get, protectedTables, policy) => {
      const tables = Object.values(data(get()).findResources('AWS::DynamoDB::Table'));
      expect(tables).toHaveLength(4); // Catalog, Carts, Idempotency, ProductAffinity
      for (const table of tables) {
        expect(table.Properties.DeletionProtectionEnabled).toBe(protectedTables);
        expect(table.DeletionPolicy).toBe(policy);
      }
      data(get()).hasResource('AWS::KMS::Key', { DeletionPolicy: policy });
    });
  });

  describe('localstack profile', () => {
    test('builds only KMS and DynamoDB, and says why', () => {
      const t = data(localstack);
      const types = new Set(Object.values(t.toJSON().Resources).map((r) => (r as { Type: string }).Type));
      expect([...types].sort()).toEqual(['AWS::DynamoDB::Table', 'AWS::KMS::Alias', 'AWS::KMS::Key']);
      const info = localstack.stacks.data.node.metadata
        .filter((m) => m.type === 'aws:cdk:info')
        .map((m) => String(m.data));
      expect(info.join('\n')).toMatch(/hosts no relational database/);
    });
  });
});
