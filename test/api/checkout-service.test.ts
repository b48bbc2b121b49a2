import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { AGENT_ENV, CHECKOUT_ENV, XRAY_ENV } from '@securecart/contracts/env';
import {
  AGENT_PORTS,
  CHECKOUT_CONTAINER_PORT,
  CLOUDWATCH_AGENT_CONFIG,
  CLOUDWATCH_AGENT_IMAGE,
  DATABASE_USER,
} from '../../lib/constructs/api/checkout-service';
import {
  BOOTSTRAP_COMMAND,
  migratorRoleFor,
  SERVICE_IMAGE_USER,
} from '../../lib/constructs/api/database-user-bootstrap';
import { loadBootstrapConfig } from '../../services/checkout-api/src/startup/bootstrap-config';
import { loadConfig } from '../../services/checkout-api/src/config';
import { parseAgentEndpoint } from '../../services/checkout-api/src/metrics';
import { synthesizeForFile, Synthesized } from '../helpers/synth';
import { byType, fromStack, getAtt, idOf, one, policyActions } from './helpers';

/**
 * The Api stack (test/api/): the checkout service (the Fargate service and task, the CloudWatch agent
 * sidecar, least privilege, the database user bootstrap, the image built at deploy time).
 */
describe('Api stack', () => {
  const { sandbox, prod } = synthesizeForFile(['sandbox', 'prod']);

  describe('checkout service', () => {
    test('cluster with Container Insights; Fargate task on ARM64 sized by the profile', () => {
      for (const s of [sandbox, prod]) {
        const [, cluster] = one(s, 'AWS::ECS::Cluster');
        expect(cluster.Properties.ClusterSettings).toEqual([{ Name: 'containerInsights', Value: 'enabled' }]);
        const [, task] = one(s, 'AWS::ECS::TaskDefinition', 'Checkout/TaskDefinition');
        expect(task.Properties).toMatchObject({
          RequiresCompatibilities: ['FARGATE'],
          RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
          Cpu: String(s.profile.checkout.cpu),
          Memory: String(s.profile.checkout.memoryMiB),
        });
      }
    });

    test('service: desired count from the profile, circuit breaker with rollback, app subnets, no public IP', () => {
      for (const s of [sandbox, prod]) {
        const [, service] = one(s, 'AWS::ECS::Service');
        const network = `SecureCart-${s.profile.name}-Network`;
        expect(service.Properties).toMatchObject({
          LaunchType: 'FARGATE',
          DesiredCount: s.profile.checkout.desiredTasks,
          DeploymentConfiguration: {
            DeploymentCircuitBreaker: { Enable: true, Rollback: true },
            MinimumHealthyPercent: 100,
          },
          NetworkConfiguration: {
            AwsvpcConfiguration: {
              AssignPublicIp: 'DISABLED',
              SecurityGroups: [fromStack(network, 'CheckoutServiceSecurityGroup')],
              Subnets: [fromStack(network, 'appSubnet1'), fromStack(network, 'appSubnet2')],
            },
          },
          LoadBalancers: [expect.objectContaining({ ContainerName: 'checkout-api', ContainerPort: 8080 })],
        });
      }
    });

    test('autoscaling on CPU and on ALB requests per target, within the profile bounds', () => {
      for (const s of [sandbox, prod]) {
        const { minTasks, maxTasks, targetCpuPercent, targetRequestsPerTask } = s.profile.checkout;
        const [, target] = one(s, 'AWS::ApplicationAutoScaling::ScalableTarget');
        expect(target.Properties).toMatchObject({ MinCapacity: minTasks, MaxCapacity: maxTasks });
        const policies = byType(s, 'AWS::ApplicationAutoScaling::ScalingPolicy').map(
          ([, p]) => p.Properties.TargetTrackingScalingPolicyConfiguration,
        );
        expect(policies).toEqual(
          expect.arrayContaining([
            expect.objectContaining({
              PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' },
              TargetValue: targetCpuPercent,
            }),
            expect.objectContaining({
              PredefinedMetricSpecification: expect.objectContaining({
                PredefinedMetricType: 'ALBRequestCountPerTarget',
              }),
              TargetValue: targetRequestsPerTask,
            }),
          ]),
        );
        expect(policies).toHaveLength(2);
      }
    });

    test('health: the ALB checks readiness, the container liveness; read-only root file system', () => {
      for (const s of [sandbox, prod]) {
        const tls = s.profile.api.backendTls;
        const protocol = tls ? 'HTTPS' : 'HTTP';
        const [, group] = one(s, 'AWS::ElasticLoadBalancingV2::TargetGroup');
        expect(group.Properties).toMatchObject({
          TargetType: 'ip',
          Protocol: protocol,
          Port: CHECKOUT_CONTAINER_PORT,
          HealthCheckProtocol: protocol,
          HealthCheckPath: '/api/health/ready',
          Matcher: { HttpCode: '200' },
        });
        const [, task] = one(s, 'AWS::ECS::TaskDefinition', 'Checkout/TaskDefinition');
        const container = task.Properties.ContainerDefinitions[0];
        expect(container.ReadonlyRootFilesystem).toBe(true);
        const probe = container.HealthCheck.Command.join(' ');
        expect(probe).toContain(`host: '127.0.0.1', port: ${CHECKOUT_CONTAINER_PORT}, path: '/api/health/live'`);
        expect(probe).toContain(tls ? "require('node:https')" : "require('node:http')");
        const env = Object.fromEntries(container.Environment.map((e: any) => [e.Name, e.Value]));
        expect(env.TLS_SELF_SIGNED).toBe(String(tls));
      }
      expect(prod.profile.api.backendTls).toBe(true);
      expect(sandbox.profile.api.backendTls).toBe(false);
    });

    test('environment: every variable the service needs, from the right resources, accepted by its loadConfig', () => {
      for (const s of [sandbox, prod]) {
        const [, task] = one(s, 'AWS::ECS::TaskDefinition', 'Checkout/TaskDefinition');
        const env: Record<string, unknown> = Object.fromEntries(
          task.Properties.ContainerDefinitions[0].Environment.map((e: any) => [e.Name, e.Value]),
        );
        const E = CHECKOUT_ENV;
        const data = `SecureCart-${s.profile.name}-Data`;
        const pipeline = `SecureCart-${s.profile.name}-Pipeline`;
        expect(env).toMatchObject({
          [E.catalogTable]: fromStack(data, 'RefCatalogTable'),
          [E.cartsTable]: fromStack(data, 'RefCartsTable'),
          [E.productAffinityTable]: fromStack(data, 'RefProductAffinityTable'),
          [E.ordersQueueUrl]: fromStack(pipeline, 'RefOrderIntakeOrdersQueue'),
          [E.orderStatusQueueUrl]: fromStack(pipeline, 'RefOrderEventsOrderStatusQueue'),
          [E.dbHost]: fromStack(data, 'DatabaseInstance'),
          [E.dbPort]: fromStack(data, 'EndpointPort'),
          [E.dbName]: 'securecart',
          [E.dbUser]: DATABASE_USER,
          [E.userPoolId]: { Ref: idOf(s, 'AWS::Cognito::UserPool', '') },
          [E.clientId]: { Ref: idOf(s, 'AWS::Cognito::UserPoolClient', '') },
          [E.region]: { Ref: 'AWS::Region' },
          [E.port]: String(CHECKOUT_CONTAINER_PORT),
        });
        // The read replica in prod only.
        if (s.profile.database.readReplica) expect(env[E.dbReaderHost]).toEqual(fromStack(data, 'ReadReplica'));
        else expect(env[E.dbReaderHost]).toBeUndefined();
        // The service accepts the configuration once CloudFormation has filled in the references.
        const deployed: Record<string, string> = {
          [E.ordersQueueUrl]: 'https://sqs.eu-west-1.amazonaws.com/123456789012/securecart-orders.fifo',
          [E.orderStatusQueueUrl]: 'https://sqs.eu-west-1.amazonaws.com/123456789012/securecart-order-status',
          [E.userPoolId]: 'eu-west-1_AbCdEf123',
          [E.region]: 'eu-west-1',
          [E.dbPort]: '5432',
        };
        const resolved = Object.fromEntries(
          Object.entries(env).map(([k, v]) => [k, typeof v === 'string' ? v : (deployed[k] ?? `resolved-${k}`)]),
        );
        const config = loadConfig(resolved);
        expect(config.database).toMatchObject({ kind: 'iam', user: DATABASE_USER, database: 'securecart', port: 5432 });
        // The runtime user never migrates (the bootstrap task does, as the schema's owner; ADR 22).
        expect(config).toMatchObject({ port: CHECKOUT_CONTAINER_PORT, runMigrations: false });
        expect(config.auth).toMatchObject({ kind: 'cognito', userPoolId: 'eu-west-1_AbCdEf123' });
      }
    });
  });

  describe('the CloudWatch agent sidecar (EMF and traces, ADR 15)', () => {
    const containers = (s: Synthesized) =>
      one(s, 'AWS::ECS::TaskDefinition', 'Checkout/TaskDefinition')[1].Properties.ContainerDefinitions;

    test('runs next to the service, not essential, started first, configured for EMF and traces only', () => {
      for (const s of [sandbox, prod]) {
        const [app, agent] = containers(s);
        expect(app.Name).toBe('checkout-api');
        expect(agent).toMatchObject({
          Name: 'cloudwatch-agent',
          Image: CLOUDWATCH_AGENT_IMAGE,
          Essential: false,
          LogConfiguration: { LogDriver: 'awslogs' },
        });
        expect(CLOUDWATCH_AGENT_IMAGE).toMatch(
          /^public\.ecr\.aws\/cloudwatch-agent\/cloudwatch-agent:\d+\.\d+\.\w+(@sha256:[0-9a-f]{64})?$/,
        );
        const config = JSON.parse(agent.Environment.find((e: any) => e.Name === 'CW_CONFIG_CONTENT').Value);
        expect(config).toEqual(CLOUDWATCH_AGENT_CONFIG);
        expect(Object.keys(config)).toEqual(['logs', 'traces']); // no host metrics, no log files
        expect(app.DependsOn).toEqual([{ ContainerName: 'cloudwatch-agent', Condition: 'START' }]);
      }
    });

    test('the service sends EMF to the agent (routed to an encrypted log group) and segments to its X-Ray port', () => {
      for (const s of [sandbox, prod]) {
        const env: Record<string, unknown> = Object.fromEntries(
          containers(s)[0].Environment.map((e: any) => [e.Name, e.Value]),
        );
        const [groupId, group] = one(s, 'AWS::Logs::LogGroup', 'Checkout/MetricsLogs');
        expect(env).toMatchObject({
          [AGENT_ENV.endpoint]: `tcp://127.0.0.1:${AGENT_PORTS.emf}`,
          [AGENT_ENV.logGroupName]: { Ref: groupId },
          [XRAY_ENV.daemonAddress]: `127.0.0.1:${AGENT_PORTS.xray}`,
        });
        expect(group.Properties.KmsKeyId).toEqual(getAtt(idOf(s, 'AWS::KMS::Key', 'ApiKey'), 'Arn'));
        // What the service reads from these is checked by its own tests (test/metrics.test.ts there).
        expect(parseAgentEndpoint(env[AGENT_ENV.endpoint] as string)).toEqual({ host: '127.0.0.1', port: 25888 });
      }
    });
  });

  describe('least privilege', () => {
    const taskRole = (s: Synthesized) => idOf(s, 'AWS::IAM::Role', 'Checkout/TaskDefinition/TaskRole');

    test('the task role has exactly the table, queue, key and rds-db:connect actions the service uses', () => {
      for (const s of [sandbox, prod]) {
        const statements = policyActions(s, taskRole(s));
        const summary = statements.map((st: any) => ({
          actions: [st.Action].flat().sort(),
          resource: JSON.stringify(st.Resource),
        }));
        const on = (fragment: string) =>
          summary
            .filter((x: any) => x.resource.includes(fragment))
            .flatMap((x: any) => x.actions)
            .sort();
        expect(on('CatalogTable')).toEqual(['dynamodb:Scan']);
        expect(on('CartsTable')).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem']);
        // The recommendations (GET …/recommendations, …/popular) read ProductAffinity.
        expect(on('ProductAffinityTable')).toEqual(['dynamodb:GetItem', 'dynamodb:Query']);
        expect(on('DataKey')).toEqual(['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey']);
        // GetQueueAttributes: readiness checks that each queue exists.
        expect(on('OrdersQueue')).toEqual(['sqs:GetQueueAttributes', 'sqs:SendMessage']);
        expect(on('OrderStatusQueue')).toEqual(['sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage']);
        expect(on('PipelineKey')).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
        expect(on('rds-db')).toEqual(['rds-db:connect']);
        // The CloudWatch agent sidecar (ADR 15): its EMF log group, and X-Ray (no resource-level permissions).
        expect(on('CheckoutMetricsLogs')).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
        expect(summary.filter((x: any) => x.resource === '"*"').flatMap((x: any) => x.actions)).toEqual([
          'xray:GetSamplingRules',
          'xray:GetSamplingTargets',
          'xray:PutTelemetryRecords',
          'xray:PutTraceSegments',
        ]);
        expect(summary.flatMap((x: any) => x.actions).sort()).toEqual(
          [
            'logs:CreateLogStream',
            'logs:PutLogEvents',
            'xray:GetSamplingRules',
            'xray:GetSamplingTargets',
            'xray:PutTelemetryRecords',
            'xray:PutTraceSegments',
            'dynamodb:Scan',
            'dynamodb:GetItem',
            'dynamodb:PutItem',
            'dynamodb:GetItem',
            'dynamodb:Query',
            'kms:Decrypt',
            'kms:DescribeKey',
            'kms:Encrypt',
            'kms:GenerateDataKey',
            'sqs:SendMessage',
            'sqs:GetQueueAttributes',
            'kms:Decrypt',
            'kms:GenerateDataKey',
            'sqs:DeleteMessage',
            'sqs:ReceiveMessage',
            'sqs:GetQueueAttributes',
            'rds-db:connect',
          ].sort(),
        );
      }
    });

    test('rds-db:connect names the checkout_api user on the primary (and the replica in prod)', () => {
      for (const s of [sandbox, prod]) {
        const connect = policyActions(s, taskRole(s)).find((st: any) => st.Action === 'rds-db:connect');
        const resources = [connect.Resource].flat().map((r: any) => JSON.stringify(r));
        expect(resources).toHaveLength(s.profile.database.readReplica ? 2 : 1);
        for (const r of resources) {
          expect(r).toContain(':rds-db:');
          expect(r).toContain(':dbuser:');
          expect(r).toContain('DbiResourceId');
          expect(r).toMatch(/"\/checkout_api"\]\]\}$/);
        }
      }
    });

    test('no wildcard action in any role of the service, the bootstrap task or the custom resources', () => {
      for (const s of [sandbox, prod]) {
        const policies = byType(s, 'AWS::IAM::Policy');
        expect(policies.length).toBeGreaterThan(0);
        for (const [, policy] of policies) {
          const path = policy.Metadata['aws:cdk:path'];
          const actions = policy.Properties.PolicyDocument.Statement.flatMap((st: any) => [st.Action].flat());
          const wildcards = actions.filter((a: string) => a.includes('*'));
          // The only wildcards: CDK's asset read grant on the CodeBuild project that builds the image.
          if (path.includes('/ContainerImageBuildArm64')) {
            expect(wildcards.sort()).toEqual(['s3:GetBucket*', 's3:GetObject*', 's3:List*']);
          } else {
            expect({ path, wildcards }).toEqual({ path, wildcards: [] });
          }
        }
      }
    });
  });

  describe('database user bootstrap', () => {
    test('a one-off task of the service image, non-root and read-only, migrates as the owner with the admin secret', () => {
      for (const s of [sandbox, prod]) {
        const [taskId, task] = one(s, 'AWS::ECS::TaskDefinition', 'DatabaseUser/TaskDefinition');
        const [, appTask] = one(s, 'AWS::ECS::TaskDefinition', 'Checkout/TaskDefinition');
        const container = task.Properties.ContainerDefinitions[0];
        expect(task.Properties.RuntimePlatform.CpuArchitecture).toBe('ARM64');
        // The very image the service runs (the RDS CA bundle inside it: nothing downloaded at run time).
        expect(container.Image).toEqual(appTask.Properties.ContainerDefinitions[0].Image);
        expect(container).toMatchObject({ Command: BOOTSTRAP_COMMAND, User: '1000', ReadonlyRootFilesystem: true });
        expect(container.EntryPoint).toBeUndefined();
        expect(container.Secrets.map((x: any) => x.Name).sort()).toEqual(['DB_ADMIN_PASSWORD', 'DB_ADMIN_USER']);
        expect(JSON.stringify(container.Secrets)).toContain('DatabaseInstanceSecretAttachment');
        expect(JSON.stringify(container.Environment)).not.toMatch(/PASSWORD/);
        const env: Record<string, string> = Object.fromEntries(
          container.Environment.map((e: any) => [e.Name, typeof e.Value === 'string' ? e.Value : 'db.example']),
        );
        expect(env).toMatchObject({ DB_USER: DATABASE_USER, DB_MIGRATOR_ROLE: migratorRoleFor(DATABASE_USER) });
        // The command accepts it once ECS has added the secrets .
        // (DB_SSL_CA_FILE: any readable file stands in for the image's bundle here.)
        const config = loadBootstrapConfig({
          ...env,
          DB_PORT: '5432',
          DB_ADMIN_USER: 'securecart_admin',
          DB_ADMIN_PASSWORD: 'x',
          DB_SSL_CA_FILE: __filename,
        });
        expect(config).toMatchObject({
          runtimeUser: 'checkout_api',
          migratorRole: 'checkout_api_migrator',
          iamAuthentication: true,
          admin: { user: 'securecart_admin', database: 'securecart', ssl: { rejectUnauthorized: true } },
        });
        const [triggerId, trigger] = one(s, 'Custom::AWS', 'DatabaseUser/RunOnce');
        const create = JSON.stringify(trigger.Properties.Create);
        expect(create).toContain('"action\\":\\"runTask\\"');
        expect(create).toContain(taskId);
        const [, service] = one(s, 'AWS::ECS::Service');
        expect(service.DependsOn).toContain(triggerId);
        // The service's own task never sees the admin secret, runs as the image's user and never migrates.
        const app = appTask.Properties.ContainerDefinitions[0];
        expect(app.Secrets).toBeUndefined();
        expect(app.User).toBe(SERVICE_IMAGE_USER);
        expect(app.Environment).toContainEqual({ Name: 'DB_RUN_MIGRATIONS', Value: 'false' });
      }
    });

    test('the migrator role is derived from the runtime user and only plain identifiers are accepted', () => {
      expect(migratorRoleFor('checkout_api')).toBe('checkout_api_migrator');
      expect(() => migratorRoleFor('x; DROP TABLE orders')).toThrow(/identifier/);
    });
  });

  describe('image built at deploy time', () => {
    test('no Docker image asset in the cloud assembly: a CodeBuild (ARM64) build of a file asset instead', () => {
      for (const s of [sandbox, prod]) {
        const manifests = readdirSync(s.outdir).filter((f) => f.endsWith('.assets.json'));
        expect(manifests.length).toBeGreaterThan(0);
        for (const file of manifests) {
          const manifest = JSON.parse(readFileSync(join(s.outdir, file), 'utf8'));
          expect({ file, dockerImages: manifest.dockerImages ?? {} }).toEqual({ file, dockerImages: {} });
        }
        const [, build] = one(s, 'Custom::CDKContainerImageBuild');
        expect(build.Properties.buildCommand).toContain('--platform linux/arm64');
        const [, project] = one(s, 'AWS::CodeBuild::Project');
        expect(project.Properties.Environment).toMatchObject({ Type: 'ARM_CONTAINER', PrivilegedMode: true });
        const [, repository] = one(s, 'AWS::ECR::Repository');
        expect(repository.Properties).toMatchObject({
          ImageTagMutability: 'IMMUTABLE',
          ImageScanningConfiguration: { ScanOnPush: true },
        });
      }
    });

    test('the build context holds the Dockerfile and what the container runs, nothing else of the workspace', () => {
      const [, build] = one(sandbox, 'Custom::CDKContainerImageBuild');
      const hash = /\/([0-9a-f]{64})\.zip$/.exec(build.Properties.sourceS3Url['Fn::Sub'])![1];
      const staged = join(sandbox.outdir, `asset.${hash}`);
      expect(existsSync(staged)).toBe(true);
      const files: string[] = [];
      const walk = (dir: string) => {
        for (const f of readdirSync(dir)) {
          const p = join(dir, f);
          if (statSync(p).isDirectory()) walk(p);
          else files.push(relative(staged, p));
        }
      };
      walk(staged);
      // Tests skip the service build (like Lambda bundling), so dist/ is not part of this context.
      for (const f of files) expect(f).toMatch(/^(Dockerfile|\.dockerignore|migrations\/.+\.sql)$/);
      expect(files.some((f) => f.startsWith('migrations/'))).toBe(true);
    });
  });
});
