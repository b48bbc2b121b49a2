import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RemovalPolicy } from 'aws-cdk-lib';
import { PROFILE_NAMES, PROFILES, ProfileError, resolveProfile, validateProfile } from '../lib/config/profiles';
import { isLoopbackHost } from '../lib/config/validate-profile';

const ROOT = join(__dirname, '..');

describe('profiles', () => {
  /** The message of the error validateProfile throws for a profile ('' if it accepts it). */
  const validationMessage = (profile: Parameters<typeof validateProfile>[0]) => {
    try {
      validateProfile(profile);
      return '';
    } catch (e) {
      return (e as Error).message;
    }
  };

  test('sandbox is the default', () => {
    expect(resolveProfile(undefined).name).toBe('sandbox');
    expect(resolveProfile('').name).toBe('sandbox');
  });

  test.each(PROFILE_NAMES.map((n) => [n]))('%s resolves to its own valid object', (name) => {
    const p = resolveProfile(name);
    expect(p).toBe(PROFILES[name]);
    expect(validateProfile(p)).toBe(p);
  });

  test('an unknown profile fails with the list of valid ones', () => {
    expect(() => resolveProfile('staging')).toThrow(ProfileError);
    expect(() => resolveProfile('staging')).toThrow(
      'Unknown profile "staging". Valid profiles: sandbox, prod, localstack',
    );
    expect(() => resolveProfile(42)).toThrow(/Valid profiles/);
  });

  test('profile-dependent settings differ where the design says', () => {
    expect(PROFILES.sandbox.network.natGateways).toBe(1);
    expect(PROFILES.prod.network.natGateways).toBe(PROFILES.prod.network.maxAzs);
    expect(PROFILES.sandbox.removalPolicy).toBe(RemovalPolicy.DESTROY);
    expect(PROFILES.prod.removalPolicy).toBe(RemovalPolicy.RETAIN);
    expect(PROFILES.prod.deletionProtection).toBe(true);
    expect(PROFILES.prod.database.multiAz && PROFILES.prod.database.readReplica).toBe(true);
    expect(PROFILES.localstack.tiers).toEqual({
      network: false,
      relationalDatabase: false,
      api: false,
      frontend: false,
      monitoring: false,
    });
    // The audit trail (CloudTrail with data events) in prod only.
    expect([PROFILES.sandbox, PROFILES.prod, PROFILES.localstack].map((p) => p.audit.cloudTrail)).toEqual([
      false,
      true,
      false,
    ]);
    expect(PROFILES.prod.audit.retentionDays).toBeGreaterThanOrEqual(90);
  });

  test('validation of the audit trail: it needs the monitoring tier and keeps logs at least 90 days', () => {
    const trail = { ...PROFILES.sandbox, audit: { cloudTrail: true, retentionDays: 30 } };
    expect(() => validateProfile(trail)).toThrow(
      'audit.retentionDays must be at least 90 when audit.cloudTrail is on (got 30)',
    );
    expect(() =>
      validateProfile({
        ...PROFILES.localstack,
        audit: { cloudTrail: true, retentionDays: 365 },
      }),
    ).toThrow('audit.cloudTrail needs the monitoring tier');
    expect(() => validateProfile({ ...PROFILES.sandbox, audit: { cloudTrail: false, retentionDays: 0.5 } })).toThrow(
      'audit.retentionDays must be an integer from 1 to 3653 (got 0.5)',
    );
    expect(validateProfile({ ...PROFILES.sandbox, audit: { cloudTrail: true, retentionDays: 90 } })).toBeTruthy();
  });

  test('validation of the fraud-screening settings names them by their path in the profile', () => {
    const screening = { ...PROFILES.sandbox.screening, highValueThresholdCents: 0, allowedShippingCountries: ['usa'] };
    const message = validationMessage({ ...PROFILES.sandbox, screening });
    expect(message).toContain('screening.highValueThresholdCents must be a positive integer');
    expect(message).toContain('screening.allowedShippingCountries must be ISO 3166-1 alpha-2 codes');
  });

  test('validation names every broken invariant', () => {
    const broken = {
      ...PROFILES.sandbox,
      network: { ...PROFILES.sandbox.network, natGateways: 3, cidr: '192.168.0.0/24' },
      database: { ...PROFILES.sandbox.database, instanceType: 'huge', readReplica: true },
      deletionProtection: true,
      alarmEmail: 'not-an-address',
    };
    const message = validationMessage(broken);
    for (const fragment of [
      'natGateways',
      'cidr',
      'instanceType',
      'readReplica needs multiAz',
      'deletionProtection',
      'alarmEmail',
    ]) {
      expect(message).toContain(fragment);
    }
  });

  test('the api tier: sized, throttled and protected per profile', () => {
    const { sandbox, prod, localstack } = PROFILES;
    expect([sandbox.tiers.api, prod.tiers.api, localstack.tiers.api]).toEqual([true, true, false]);
    // WAF and Cognito threat protection cost money: prod only.
    expect([sandbox.api.waf, prod.api.waf]).toEqual([false, true]);
    expect([sandbox.frontend.waf, prod.frontend.waf]).toEqual([false, true]);
    expect(() => validateProfile({ ...sandbox, tiers: { ...sandbox.tiers, api: false } })).toThrow(
      'tiers.frontend needs the api tier',
    );
    expect([sandbox.identity.threatProtection, prod.identity.threatProtection]).toEqual([false, true]);
    expect(prod.checkout.minTasks).toBeGreaterThanOrEqual(2); // one per AZ
    expect(sandbox.checkout).toMatchObject({ cpu: 256, memoryMiB: 512, desiredTasks: 1 });
    for (const p of [sandbox, prod]) {
      expect(p.api.createOrderThrottle.rateLimit).toBeLessThan(p.api.throttle.rateLimit);
    }
    expect(sandbox.identity.storefrontOrigins).toEqual(['http://localhost:5173']);
    expect(prod.identity.storefrontOrigins).toEqual(['https://shop.example.com']);
  });

  describe('prod refuses unsafe settings (issue 19), each error saying what to set', () => {
    const prod = PROFILES.prod;

    test('the example prod profile passes: Stripe, a custom domain with its us-east-1 certificate, an https origin', () => {
      expect(validationMessage(prod)).toBe('');
      expect(prod.payments.provider).toBe('stripe');
      expect(prod.frontend.customDomain).toEqual({
        domainName: 'shop.example.com',
        certificateArn: expect.stringMatching(/^arn:aws:acm:us-east-1:\d{12}:certificate\//),
      });
    });

    test('the simulated payment provider', () => {
      expect(validationMessage({ ...prod, payments: { provider: 'simulator' } })).toContain(
        "payments.provider must be 'stripe' in prod (got 'simulator': the simulator approves any tok_* token); set payments: { provider: 'stripe' } and, after the first deployment, put the Stripe secret key into the secret securecart/prod/payments/stripe-secret-key",
      );
      // Sandbox may keep it.
      expect(PROFILES.sandbox.payments.provider).toBe('simulator');
    });

    test('no custom domain for the storefront (CloudFront default certificate, TLS 1.0)', () => {
      const message = validationMessage({ ...prod, frontend: { waf: true, wafRateLimitPer5Min: 2000 } });
      expect(message).toContain('frontend.customDomain is required in prod');
      expect(message).toContain(
        "set frontend.customDomain: { domainName: 'shop.example.com', certificateArn: 'arn:aws:acm:us-east-1:<account>:certificate/<id>' }, an ACM certificate in us-east-1 for that name, so the distribution serves TLSv1.2_2021 with SNI",
      );
    });

    test.each([
      'http://localhost:5173',
      'http://127.0.0.1:8080',
      'http://127.1.2.3',
      'http://2130706433', // 127.0.0.1 written as one number
      'http://[::1]:5173',
      'http://[::ffff:127.0.0.1]',
      'https://app.localhost',
    ])('a loopback callback/sign-out origin for the Cognito client: %s', (origin) => {
      const message = validationMessage({
        ...prod,
        identity: { ...prod.identity, storefrontOrigins: ['https://shop.example.com', origin] },
      });
      expect(message).toContain('identity.storefrontOrigins must not name a loopback address in prod (got ');
      expect(message).toContain(
        "set identity.storefrontOrigins: ['https://shop.example.com'] (the storefront's own origin)",
      );
    });

    test('every refusal at once, and none of them for sandbox', () => {
      const unsafe = {
        ...prod,
        payments: { provider: 'simulator' as const },
        identity: { ...prod.identity, storefrontOrigins: ['http://localhost:5173'] },
        frontend: { waf: true, wafRateLimitPer5Min: 2000, createOrderRateLimitPer5Min: 100 },
      };
      const message = validationMessage(unsafe);
      expect(message.match(/in prod/g)).toHaveLength(3);
      expect(validationMessage({ ...unsafe, name: 'sandbox' })).toBe('');
    });

    test('loopback hosts as the URL parser normalises them; public names and addresses are not', () => {
      const host = (origin: string) => new URL(origin).hostname;
      for (const o of ['http://localhost', 'http://LOCALHOST.', 'http://127.255.0.1', 'http://[0:0:0:0:0:0:0:1]']) {
        expect(isLoopbackHost(host(o))).toBe(true);
      }
      for (const o of [
        'https://shop.example.com',
        'https://localhost.example.com',
        'http://128.0.0.1',
        'http://[::2]',
      ]) {
        expect(isLoopbackHost(host(o))).toBe(false);
      }
    });
  });

  test('backend TLS: prod has it with an internal name under its zone; a bad name, zone or id is refused', () => {
    expect(PROFILES.prod.api).toMatchObject({ backendTls: true, internalDomain: expect.any(Object) });
    expect(PROFILES.sandbox.api.backendTls).toBe(false);
    const message = validationMessage({
      ...PROFILES.prod,
      api: {
        ...PROFILES.prod.api,
        internalDomain: { domainName: 'api-internal.other.example', zoneName: 'shop', hostedZoneId: 'zone-1' },
      },
    });
    for (const fragment of [
      'api.internalDomain.zoneName must be a DNS name (got shop)',
      'api.internalDomain.domainName must be a name under zoneName shop (got api-internal.other.example)',
      'api.internalDomain.hostedZoneId must be a Route 53 hosted zone id (got zone-1)',
    ]) {
      expect(message).toContain(fragment);
    }
  });

  test('validation names every broken api-tier invariant', () => {
    const broken = {
      ...PROFILES.sandbox,
      tiers: { network: false, relationalDatabase: false, api: true, frontend: true, monitoring: true },
      checkout: { ...PROFILES.sandbox.checkout, cpu: 512, memoryMiB: 512, minTasks: 3, targetCpuPercent: 95 },
      api: {
        throttle: { rateLimit: 10, burstLimit: 0 },
        createOrderThrottle: { rateLimit: 20, burstLimit: 5 },
        waf: true,
        wafRateLimitPer5Min: 5,
        backendTls: true,
      },
      identity: {
        threatProtection: false,
        waf: false,
        accountTakeoverProtection: true,
        storefrontOrigins: ['http://shop.example.com', 'https://x.example/app'],
      },
      frontend: {
        waf: true,
        wafRateLimitPer5Min: 5,
        createOrderRateLimitPer5Min: 2.5,
        customDomain: { domainName: 'shop', certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/abc' },
      },
    };
    const message = validationMessage(broken);
    for (const fragment of [
      'tiers.api needs the network and relationalDatabase tiers',
      'checkout.memoryMiB must be a Fargate size for cpu 512: 1024 to 4096 (got 512)',
      'minTasks <= desiredTasks <= maxTasks (got 3, 1, 2)',
      'checkout.targetCpuPercent must be from 10 to 90 (got 95)',
      'api.throttle.rateLimit and burstLimit must be positive integers',
      'api.createOrderThrottle must not be higher than api.throttle',
      'api.wafRateLimitPer5Min must be an integer of at least 10 (got 5)',
      'api.backendTls needs api.internalDomain',
      'identity.storefrontOrigins must be origins like https://shop.example.com (http only for localhost), without a path (got http://shop.example.com)',
      '(got https://x.example/app)',
      'frontend.wafRateLimitPer5Min must be an integer of at least 10 (got 5)',
      'frontend.createOrderRateLimitPer5Min must be an integer of at least 10 (got 2.5)',
      'identity.accountTakeoverProtection needs identity.waf',
      'frontend.customDomain.domainName must be a DNS name (got shop)',
      'frontend.customDomain.certificateArn must be an ACM certificate in us-east-1',
    ]) {
      expect(message).toContain(fragment);
    }
    expect(() =>
      validateProfile({
        ...PROFILES.sandbox,
        frontend: { ...PROFILES.sandbox.frontend, createOrderRateLimitPer5Min: 100 },
      }),
    ).toThrow('frontend.createOrderRateLimitPer5Min needs frontend.waf');
    expect(() =>
      validateProfile({ ...PROFILES.sandbox, checkout: { ...PROFILES.sandbox.checkout, cpu: 300 } }),
    ).toThrow('checkout.cpu must be one of 256, 512, 1024, 2048, 4096 (got 300)');
    expect(() =>
      validateProfile({ ...PROFILES.sandbox, identity: { ...PROFILES.sandbox.identity, storefrontOrigins: [] } }),
    ).toThrow('identity.storefrontOrigins needs at least one origin');
  });

  test('the clickstream: one provisioned shard in sandbox and localstack, on-demand in prod; the put throttle fits the shards', () => {
    const { sandbox, prod, localstack } = PROFILES;
    expect([sandbox, localstack].map((p) => p.clickstream.stream)).toEqual([
      { mode: 'provisioned', shards: 1 },
      { mode: 'provisioned', shards: 1 },
    ]);
    expect(prod.clickstream.stream).toEqual({ mode: 'on-demand' });
    for (const p of [sandbox, prod]) {
      expect(p.clickstream.putThrottle.rateLimit).toBeLessThan(p.api.throttle.rateLimit);
    }
    const clickstream = (c: Partial<typeof sandbox.clickstream>) => ({
      ...sandbox,
      clickstream: { ...sandbox.clickstream, ...c },
    });
    // 41 requests/s × 25 events > one shard's 1,000 records/s.
    expect(() => validateProfile(clickstream({ putThrottle: { rateLimit: 41, burstLimit: 50 } }))).toThrow(
      "clickstream.putThrottle.rateLimit × 25 events must fit the shards' 1000 records/s each (1 shard(s))",
    );
    expect(() =>
      validateProfile(
        clickstream({ stream: { mode: 'provisioned', shards: 2 }, putThrottle: { rateLimit: 41, burstLimit: 50 } }),
      ),
    ).not.toThrow();
    expect(() => validateProfile(clickstream({ stream: { mode: 'provisioned', shards: 0 } }))).toThrow(
      'clickstream.stream.shards must be a positive integer',
    );
    expect(() => validateProfile(clickstream({ putThrottle: { rateLimit: 0, burstLimit: 40 } }))).toThrow(
      'clickstream.putThrottle.rateLimit and burstLimit must be positive integers',
    );
    expect(() => validateProfile(clickstream({ putThrottle: { rateLimit: 20, burstLimit: 1000 } }))).toThrow(
      'clickstream.putThrottle must not be higher than api.throttle',
    );
  });

  test('an alarm e-mail can be given with -c alarmEmail and is validated', () => {
    expect(resolveProfile('sandbox', { alarmEmail: 'ops@example.com' }).alarmEmail).toBe('ops@example.com');
    expect(PROFILES.sandbox.alarmEmail).toBeUndefined();
    expect(() => resolveProfile('sandbox', { alarmEmail: 'nope' })).toThrow(/alarmEmail/);
  });

  test('the ALB certificate can be one issued outside the stacks: -c apiCertificateArn, validated', () => {
    const arn = 'arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789';
    const prod = resolveProfile('prod', { apiCertificateArn: arn });
    expect(prod.api.internalDomain).toEqual({ ...PROFILES.prod.api.internalDomain, certificateArn: arn });
    expect(PROFILES.prod.api.internalDomain?.certificateArn).toBeUndefined();
    expect(() =>
      resolveProfile('prod', { apiCertificateArn: 'arn:aws:iam::123456789012:server-certificate/x' }),
    ).toThrow('api.internalDomain.certificateArn must be an ACM certificate ARN');
    expect(() => resolveProfile('prod', { apiCertificateArn: 42 })).toThrow('apiCertificateArn must be a string');
    expect(() => resolveProfile('sandbox', { apiCertificateArn: arn })).toThrow('sandbox has none');
  });
});

describe('the app entry point (as cdk synth runs it)', () => {
  const runApp = (context: Record<string, string>, env: Record<string, string> = {}) => {
    const outdir = mkdtempSync(join(tmpdir(), 'securecart-bin-'));
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'bin/securecart.ts'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: {
        ...process.env,
        CDK_DEBUG: '',
        ...env,
        CDK_OUTDIR: outdir,
        CDK_CONTEXT_JSON: JSON.stringify(context),
        CDK_VALIDATION: 'false',
      },
    });
    const files = readdirSync(outdir);
    /** The metadata entry types `cdk synth` recorded, over every stack. */
    const metadataTypes = new Set(
      files
        .filter((f) => f.endsWith('.metadata.json'))
        .flatMap((f) => Object.values<{ type: string }[]>(JSON.parse(readFileSync(join(outdir, f), 'utf8'))).flat())
        .map((entry) => entry.type),
    );
    rmSync(outdir, { recursive: true, force: true });
    return { ...result, files, metadataTypes };
  };

  test('an unknown profile exits 1 at once with the valid names and writes nothing', () => {
    const r = runApp({ profile: 'qa' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('Unknown profile "qa". Valid profiles: sandbox, prod, localstack');
    expect(r.files).toEqual([]);
  });

  test('the localstack profile says at synth what it leaves out', () => {
    const r = runApp({ profile: 'localstack' });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(
      /profile "localstack".*Not deployed with this profile: Network \(VPC\), RDS PostgreSQL, Api \(Cognito, the checkout service on ECS Fargate, API Gateway\), Frontend \(the storefront on S3 \+ CloudFront\), Monitoring \(the dashboard, the database and edge alarms, the audit trail\), the EventBridge schema registry, the EventBridge archive\./,
    );
    expect(r.files).toContain('SecureCart-localstack-Data.template.json');
    expect(r.files.some((f) => f.includes('Network'))).toBe(false);
    expect(r.files.some((f) => f.includes('-Api'))).toBe(false);
    // No creation stack per resource (a large part of synth time); logical ids are still recorded.
    expect(r.metadataTypes.has('aws:cdk:logicalId')).toBe(true);
    expect(r.metadataTypes.has('aws:cdk:creationStack')).toBe(false);
  });

  test('cdk synth --debug (CDK_DEBUG) records where each resource was created', () => {
    const r = runApp({ profile: 'localstack' }, { CDK_DEBUG: 'true' });
    expect(r.status).toBe(0);
    expect(r.metadataTypes.has('aws:cdk:creationStack')).toBe(true);
  });
});
