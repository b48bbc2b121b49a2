import {
  CloudFrontClient,
  GetDistributionCommand,
  GetDistributionConfigCommand,
  PreconditionFailed,
  UpdateDistributionCommand,
} from '@aws-sdk/client-cloudfront';
import {
  DescribeRulesCommand,
  ElasticLoadBalancingV2Client,
  ModifyRuleCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { RuleCondition } from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetWebACLCommand, UpdateWebACLCommand, WAFOptimisticLockException, WAFV2Client } from '@aws-sdk/client-wafv2';
import type { Rule, Statement } from '@aws-sdk/client-wafv2';
import { logger } from '../shared/logger';

/*
 * The parties of the origin header (ADR 21): the ACCEPTORS check it (the REGIONAL web ACL's rule,
 * the internal ALB's listener rule; API Gateway only requires its presence), the SENDER adds it
 * (the CloudFront distribution's API origin). Each acceptor is set to accept a list of values;
 * the sender sends exactly one. Updates use the services' optimistic locks (WAF's lock token,
 * CloudFront's ETag) and retry when another writer got there first.
 */

export const waf = new WAFV2Client({});
export const elb = new ElasticLoadBalancingV2Client({});
export const cloudfront = new CloudFrontClient({});

/** Attempts of a read-modify-write before giving up (another writer won every time). */
export const LOCK_ATTEMPTS = 5;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

async function withLock<T>(what: string, conflict: (error: unknown) => boolean, attempt: () => Promise<T>): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (error) {
      if (!conflict(error) || i >= LOCK_ATTEMPTS) throw error;
      // Another writer changed it between our read and write: read again and re-apply.
      logger.warn('Lock conflict: reading again', { target: what, attempt: i });
    }
  }
}

export interface Acceptor {
  readonly name: string;
  /** The values it accepts now. */
  accepted(): Promise<string[]>;
  /** Accept exactly these values (one or two). */
  accept(values: readonly string[]): Promise<void>;
}

// --- REGIONAL web ACL -------------------------------------------------------------------------------

const byteMatch = (header: string, value: string): Statement => ({
  ByteMatchStatement: {
    FieldToMatch: { SingleHeader: { Name: header } },
    PositionalConstraint: 'EXACTLY',
    SearchString: encoder.encode(value),
    TextTransformations: [{ Priority: 0, Type: 'NONE' }],
  },
});

/** Block unless the header is exactly one of `values`: NOT(match) or NOT(OR(match, match)). */
export function originStatement(header: string, values: readonly string[]): Statement {
  const matches = values.map((v) => byteMatch(header, v));
  return { NotStatement: { Statement: matches.length === 1 ? matches[0] : { OrStatement: { Statements: matches } } } };
}

/** The values an origin rule accepts (the byte matches under its NOT). */
export function acceptedByStatement(statement: Statement | undefined): string[] {
  const inner = statement?.NotStatement?.Statement;
  const matches = inner?.OrStatement?.Statements ?? (inner ? [inner] : []);
  return matches.flatMap((m) => {
    const search = m.ByteMatchStatement?.SearchString;
    if (search === undefined) return [];
    return [typeof search === 'string' ? search : decoder.decode(search)];
  });
}

export function webAclAcceptor(acl: { name: string; id: string }, ruleName: string, header: string): Acceptor {
  const read = async () => {
    const { WebACL, LockToken } = await waf.send(
      new GetWebACLCommand({ Name: acl.name, Id: acl.id, Scope: 'REGIONAL' }),
    );
    if (!WebACL || !LockToken) throw new Error(`Web ACL ${acl.name} not found`);
    const rule = WebACL.Rules?.find((r) => r.Name === ruleName);
    if (!rule) throw new Error(`Web ACL ${acl.name} has no rule ${ruleName}`);
    return { WebACL, LockToken, rule };
  };
  return {
    name: `web ACL ${acl.name} rule ${ruleName}`,
    async accepted() {
      return acceptedByStatement((await read()).rule.Statement);
    },
    async accept(values) {
      await withLock(
        `web ACL ${acl.name}`,
        (e) => e instanceof WAFOptimisticLockException,
        async () => {
          const { WebACL, LockToken } = await read();
          const rules: Rule[] = (WebACL.Rules ?? []).map((r) =>
            r.Name === ruleName ? { ...r, Statement: originStatement(header, values) } : r,
          );
          // UpdateWebACL replaces the whole ACL: everything else is sent back as read.
          await waf.send(
            new UpdateWebACLCommand({
              Name: WebACL.Name!,
              Id: WebACL.Id!,
              Scope: 'REGIONAL',
              LockToken,
              DefaultAction: WebACL.DefaultAction!,
              Description: WebACL.Description,
              Rules: rules,
              VisibilityConfig: WebACL.VisibilityConfig!,
              DataProtectionConfig: WebACL.DataProtectionConfig,
              CustomResponseBodies: WebACL.CustomResponseBodies,
              CaptchaConfig: WebACL.CaptchaConfig,
              ChallengeConfig: WebACL.ChallengeConfig,
              TokenDomains: WebACL.TokenDomains,
              AssociationConfig: WebACL.AssociationConfig,
            }),
          );
        },
      );
    },
  };
}

// --- ALB listener rule ----------------------------------------------------------------------------

export function listenerRuleAcceptor(ruleArn: string, header: string): Acceptor {
  const conditions = async (): Promise<RuleCondition[]> => {
    const { Rules } = await elb.send(new DescribeRulesCommand({ RuleArns: [ruleArn] }));
    const rule = Rules?.[0];
    if (!rule) throw new Error(`Listener rule ${ruleArn} not found`);
    return rule.Conditions ?? [];
  };
  const isOrigin = (c: RuleCondition) =>
    c.Field === 'http-header' && c.HttpHeaderConfig?.HttpHeaderName?.toLowerCase() === header.toLowerCase();
  return {
    name: `listener rule ${ruleArn}`,
    async accepted() {
      return (await conditions()).find(isOrigin)?.HttpHeaderConfig?.Values ?? [];
    },
    async accept(values) {
      // ModifyRule replaces the conditions: the others are sent back as read (without the legacy Values field).
      const others = (await conditions()).filter((c) => !isOrigin(c)).map(({ Values: _legacy, ...c }) => c);
      await elb.send(
        new ModifyRuleCommand({
          RuleArn: ruleArn,
          Conditions: [
            ...others,
            { Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: header, Values: [...values] } },
          ],
        }),
      );
    },
  };
}

// --- CloudFront (the sender) ----------------------------------------------------------------------

export interface Sender {
  /** The value it sends now, and whether every edge location has it (status Deployed). */
  sending(): Promise<{ value: string | undefined; deployed: boolean }>;
  send(value: string): Promise<void>;
}

export function distributionSender(distributionId: string, header: string): Sender {
  const sameHeader = (name: string | undefined) => name?.toLowerCase() === header.toLowerCase();
  return {
    async sending() {
      const { Distribution } = await cloudfront.send(new GetDistributionCommand({ Id: distributionId }));
      const origins = Distribution?.DistributionConfig?.Origins?.Items ?? [];
      const values = origins.flatMap((o) =>
        (o.CustomHeaders?.Items ?? []).filter((h) => sameHeader(h.HeaderName)).map((h) => h.HeaderValue),
      );
      return { value: values[0], deployed: Distribution?.Status === 'Deployed' };
    },
    async send(value) {
      await withLock(
        `distribution ${distributionId}`,
        (e) => e instanceof PreconditionFailed,
        async () => {
          const { DistributionConfig, ETag } = await cloudfront.send(
            new GetDistributionConfigCommand({ Id: distributionId }),
          );
          if (!DistributionConfig || !ETag) throw new Error(`Distribution ${distributionId} not found`);
          let changed = 0;
          for (const origin of DistributionConfig.Origins?.Items ?? []) {
            for (const h of origin.CustomHeaders?.Items ?? []) {
              if (sameHeader(h.HeaderName)) {
                h.HeaderValue = value;
                changed++;
              }
            }
          }
          if (changed === 0) throw new Error(`Distribution ${distributionId} sends no ${header} header`);
          await cloudfront.send(
            new UpdateDistributionCommand({ Id: distributionId, IfMatch: ETag, DistributionConfig }),
          );
        },
      );
    },
  };
}
