import { Match } from 'aws-cdk-lib/assertions';
import { synthesizeForFile, Synthesized } from './helpers/synth';

describe('Network stack', () => {
  const { sandbox, prod, localstack } = synthesizeForFile(['sandbox', 'prod', 'localstack']);

  const network = (s: Synthesized) => s.template(s.stacks.network!);

  test('is named SecureCart-<profile>-Network', () => {
    expect(sandbox.stacks.network!.stackName).toBe('SecureCart-sandbox-Network');
    expect(prod.stacks.network!.stackName).toBe('SecureCart-prod-Network');
  });

  test.each([
    ['sandbox', () => sandbox, 1],
    ['prod', () => prod, 2],
  ])('%s has the profile NAT gateway count (%#)', (_name, get, nat) => {
    network(get()).resourceCountIs('AWS::EC2::NatGateway', nat as number);
    network(get()).resourceCountIs('AWS::EC2::EIP', nat as number);
  });

  test('spans two AZs with public, app (private with egress) and data (isolated) subnets', () => {
    const t = network(sandbox);
    t.resourceCountIs('AWS::EC2::Subnet', 6);
    const subnets = t.findResources('AWS::EC2::Subnet');
    const byType: Record<string, number> = {};
    for (const s of Object.values(subnets)) {
      const type = s.Properties.Tags.find((x: { Key: string }) => x.Key === 'aws-cdk:subnet-type').Value;
      byType[type] = (byType[type] ?? 0) + 1;
    }
    expect(byType).toEqual({ Public: 2, Private: 2, Isolated: 2 });
    // Public subnets do not hand out public IPs by default.
    for (const s of Object.values(subnets)) expect(s.Properties.MapPublicIpOnLaunch).toBe(false);
  });

  test('isolated subnets have no route to the internet', () => {
    const t = network(sandbox);
    const routes = Object.values(t.findResources('AWS::EC2::Route'));
    const routeTables = t.findResources('AWS::EC2::RouteTable');
    const isolatedTables = Object.entries(routeTables)
      .filter(([, rt]) => /dataSubnet/.test(rt.Properties.Tags.find((x: { Key: string }) => x.Key === 'Name').Value))
      .map(([id]) => id);
    expect(isolatedTables).toHaveLength(2);
    for (const r of routes) expect(isolatedTables).not.toContain(r.Properties.RouteTableId.Ref);
  });

  test('flow logs capture ALL traffic into a KMS-encrypted log group', () => {
    const t = network(sandbox);
    t.hasResourceProperties('AWS::EC2::FlowLog', {
      TrafficType: 'ALL',
      ResourceType: 'VPC',
      LogDestinationType: 'cloud-watch-logs',
    });
    t.hasResourceProperties('AWS::Logs::LogGroup', {
      KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('LogsKey'), 'Arn'] },
      RetentionInDays: 14,
    });
    t.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    network(prod).hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
  });

  test('has S3 and DynamoDB gateway endpoints', () => {
    const t = network(sandbox);
    const endpoints = Object.values(
      t.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Gateway' } }),
    );
    const services = endpoints.map((e) => JSON.stringify(e.Properties.ServiceName));
    expect(services.some((s) => s.includes('.s3'))).toBe(true);
    expect(services.some((s) => s.includes('.dynamodb'))).toBe(true);
    expect(endpoints).toHaveLength(2);
  });

  test('the default security group is stripped of its rules', () => {
    network(sandbox).resourceCountIs('Custom::VpcRestrictDefaultSG', 1);
  });

  test.each([
    ['sandbox', () => sandbox, 'Delete'],
    ['prod', () => prod, 'Retain'],
  ])('%s log key and log group follow the removal policy', (_n, get, policy) => {
    const t = network(get());
    t.hasResource('AWS::KMS::Key', { DeletionPolicy: policy });
    t.hasResource('AWS::Logs::LogGroup', { DeletionPolicy: policy });
  });

  test('the checkout service security group: no ingress here, egress only HTTPS and PostgreSQL to the data subnets', () => {
    for (const s of [sandbox, prod]) {
      const t = network(s);
      const groups = Object.entries(t.findResources('AWS::EC2::SecurityGroup')).filter(([id]) =>
        id.startsWith('CheckoutServiceSecurityGroup'),
      );
      expect(groups).toHaveLength(1);
      const [, group] = groups[0];
      // Ingress (from the ALB only) is the Api stack's; nothing in this stack admits traffic.
      expect(group.Properties.SecurityGroupIngress).toBeUndefined();
      t.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
      const dataSubnets = Object.values(t.findResources('AWS::EC2::Subnet'))
        .filter((sn) => sn.Properties.Tags.some((x: { Value: string }) => x.Value === 'data'))
        .map((sn) => sn.Properties.CidrBlock)
        .sort();
      expect(dataSubnets).toHaveLength(2);
      const egress = group.Properties.SecurityGroupEgress.map((r: any) => [
        r.CidrIp,
        r.IpProtocol,
        r.FromPort,
        r.ToPort,
      ]);
      expect(egress.sort()).toEqual(
        [['0.0.0.0/0', 'tcp', 443, 443], ...dataSubnets.map((cidr: string) => [cidr, 'tcp', 5432, 5432])].sort(),
      );
    }
  });

  test('the localstack profile has no Network stack', () => {
    expect(localstack.stacks.network).toBeUndefined();
    expect(localstack.app.node.tryFindChild('SecureCart-localstack-Network')).toBeUndefined();
  });
});
