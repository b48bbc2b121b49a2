import { Match } from 'aws-cdk-lib/assertions';
import { synthesizeForFile, Synthesized } from './helpers/synth';

describe('Network stack', () => {
  const { sandbox, prod, localstack } = synthesizeForFile(['sandbox', 'prod', 'localstack']);

  const network = (s: Synthesized) => s.template(s.stacks.network!);

  test('is named SecureCart-<profile>-Network', () => {
    expect(sandbox.stacks.network!.stackName).toBe('SecureCart-sandbox-Network');
    expect(prod.stacks.network!.stackName).toBe('SecureCart-prod-Network');
  });

  test('prod has a NAT gateway, with its Elastic IP, in each AZ and no NAT instance', () => {
    const t = network(prod);
    t.resourceCountIs('AWS::EC2::NatGateway', 2);
    t.resourceCountIs('AWS::EC2::EIP', 2);
    t.resourceCountIs('AWS::EC2::Instance', 0);
    const gatewaySubnets = Object.values(t.findResources('AWS::EC2::NatGateway')).map((g) => g.Properties.SubnetId.Ref);
    expect(new Set(gatewaySubnets).size).toBe(2);
  });

  describe('the sandbox NAT instance (ADR 27)', () => {
    const t = () => network(sandbox);
    const instance = () => {
      const instances = Object.values(t().findResources('AWS::EC2::Instance'));
      expect(instances).toHaveLength(1);
      return instances[0].Properties;
    };

    test('replaces the NAT gateway: one Graviton t4g.nano, source/destination check off, a public address of its own', () => {
      t().resourceCountIs('AWS::EC2::NatGateway', 0);
      t().resourceCountIs('AWS::EC2::EIP', 0);
      expect(instance()).toMatchObject({
        InstanceType: 't4g.nano',
        SourceDestCheck: false,
        NetworkInterfaces: [{ AssociatePublicIpAddress: true, DeviceIndex: '0' }],
      });
      // Both app subnets' default routes go to it; no route targets a NAT gateway.
      const instanceId = Object.keys(t().findResources('AWS::EC2::Instance'))[0];
      const defaults = Object.values(t().findResources('AWS::EC2::Route')).filter(
        (r) => r.Properties.DestinationCidrBlock === '0.0.0.0/0' && !r.Properties.GatewayId,
      );
      expect(defaults.map((r) => r.Properties.InstanceId)).toEqual([{ Ref: instanceId }, { Ref: instanceId }]);
    });

    test('its image is Amazon Linux 2023 for arm64 from the public SSM parameter: no context lookup, the same template on every synth', () => {
      const image = instance().ImageId.Ref as string;
      const parameter = sandbox.template(sandbox.stacks.network!).toJSON().Parameters[image];
      expect(parameter).toEqual({
        Type: 'AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>',
        Default: '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-arm64',
      });
      // Nothing was looked up in an account (cdk.context.json stays untouched).
      expect(sandbox.app.node.metadata.filter((m) => m.type === 'aws:cdk:missing-context')).toEqual([]);
      expect(JSON.stringify(sandbox.app.synth().manifest.missing ?? [])).toBe('[]');
    });

    test('IMDSv2 only; its root volume is encrypted with the network tier key; no key pair', () => {
      expect(instance()).toMatchObject({
        MetadataOptions: { HttpTokens: 'required', HttpEndpoint: 'enabled', HttpPutResponseHopLimit: 1 },
        BlockDeviceMappings: [
          {
            DeviceName: '/dev/xvda',
            Ebs: {
              Encrypted: true,
              VolumeType: 'gp3',
              VolumeSize: 8,
              DeleteOnTermination: true,
              KmsKeyId: { 'Fn::GetAtt': [expect.stringMatching(/^LogsKey/), 'Arn'] },
            },
          },
        ],
      });
      expect(instance().KeyName).toBeUndefined();
    });

    test('its security group admits only HTTPS from the VPC range and sends only HTTPS out', () => {
      // With a public address, the groups are the network interface's.
      const groupIds = instance().NetworkInterfaces[0].GroupSet.map(
        (g: { 'Fn::GetAtt': [string, string] }) => g['Fn::GetAtt'][0],
      );
      expect(groupIds).toHaveLength(1);
      const group = t().toJSON().Resources[groupIds[0]].Properties;
      const [vpc] = Object.values(t().findResources('AWS::EC2::VPC'));
      expect(vpc.Properties.CidrBlock).toBe('10.40.0.0/16');
      expect(group.SecurityGroupIngress).toEqual([
        expect.objectContaining({
          CidrIp: '10.40.0.0/16',
          IpProtocol: 'tcp',
          FromPort: 443,
          ToPort: 443,
        }),
      ]);
      expect(group.SecurityGroupEgress).toEqual([
        expect.objectContaining({ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443 }),
      ]);
      t().resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
    });
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
