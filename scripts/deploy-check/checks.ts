/**
 * The checks of `npm run deploy:check`, as pure functions over what the endpoint answered (the AWS
 * calls are in aws.ts): CloudFormation values resolved to the deployed ones, the per-stack table,
 * the storefront's files against the assembly, and what is left after destroy against what the
 * templates retain.
 */
import { BucketDeploymentSpec, RetainedResource } from './assembly';

/** What the endpoint knows about the deployed stacks, by stack name. */
export interface Deployed {
  readonly outputs: ReadonlyMap<string, Readonly<Record<string, string>>>;
  /** Physical ids by logical id. */
  readonly resources: ReadonlyMap<string, Readonly<Record<string, string>>>;
  readonly exports: Readonly<Record<string, string>>;
  readonly account: string;
}

/**
 * Resolves a CloudFormation value of `stackName` to what it is in the deployment: strings, Ref (to
 * a resource or a pseudo parameter), Fn::GetStackOutput (CDK's weak cross-stack and cross-region
 * references), Fn::ImportValue, Fn::Join, Fn::Select and Fn::Sub without variables of its own.
 */
export function resolveValue(value: unknown, stackName: string, region: string, deployed: Deployed): string {
  const again = (v: unknown) => resolveValue(v, stackName, region, deployed);
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const [fn, arg] = Object.entries(value as Record<string, unknown>)[0] ?? [];
    const pseudo: Record<string, string> = {
      'AWS::AccountId': deployed.account,
      'AWS::Region': region,
      'AWS::Partition': 'aws',
      'AWS::URLSuffix': 'amazonaws.com',
      'AWS::StackName': stackName,
    };
    switch (fn) {
      case 'Ref': {
        const name = String(arg);
        const found = pseudo[name] ?? deployed.resources.get(stackName)?.[name];
        if (found === undefined) throw new Error(`cannot resolve Ref ${name} in ${stackName}`);
        return found;
      }
      case 'Fn::GetStackOutput': {
        const spec = arg as { StackName: unknown; OutputName: unknown };
        const other = again(spec.StackName);
        const found = deployed.outputs.get(other)?.[again(spec.OutputName)];
        if (found === undefined) throw new Error(`cannot resolve output ${again(spec.OutputName)} of ${other}`);
        return found;
      }
      case 'Fn::ImportValue': {
        const name = again(arg);
        const found = deployed.exports[name];
        if (found === undefined) throw new Error(`cannot resolve export ${name}`);
        return found;
      }
      case 'Fn::Join': {
        const [separator, parts] = arg as [string, unknown[]];
        return parts.map(again).join(separator);
      }
      case 'Fn::Select': {
        const [index, list] = arg as [unknown, unknown[]];
        return again(list[Number(again(index))]);
      }
      case 'Fn::Sub': {
        if (typeof arg !== 'string') throw new Error('cannot resolve Fn::Sub with variables of its own');
        return arg.replace(/\$\{([^}]+)\}/g, (_, name: string) => again({ Ref: name }));
      }
    }
    throw new Error(`cannot resolve ${JSON.stringify(value).slice(0, 120)}`);
  }
  throw new Error(`cannot resolve ${JSON.stringify(value)}`);
}

export interface StackRow {
  readonly stack: string;
  readonly region: string;
  readonly status: string;
  /** cdk deploy's time for the stack (or, without it, its first event to its CREATE_COMPLETE). */
  readonly seconds?: number;
}

/** A stack's creation time from its own events (the AWS::CloudFormation::Stack ones). */
export function creationSeconds(
  events: readonly { status: string; timestamp: Date; logicalId: string; type: string }[],
  stackName: string,
): number | undefined {
  const own = events.filter((e) => e.type === 'AWS::CloudFormation::Stack' && e.logicalId === stackName);
  const start = own.filter((e) => e.status === 'CREATE_IN_PROGRESS').map((e) => e.timestamp.getTime());
  const end = own.filter((e) => e.status === 'CREATE_COMPLETE').map((e) => e.timestamp.getTime());
  if (start.length === 0 || end.length === 0) return undefined;
  return Math.max(0, Math.max(...end) - Math.min(...start)) / 1000;
}

/**
 * cdk deploy's own time per stack, from its output: `✅  <stack>` followed (within a few lines,
 * whatever other stacks print in between) by `✨  Deployment time: 5.72s`.
 */
export function cdkDeploymentTimes(log: string): Map<string, number> {
  const times = new Map<string, number>();
  const lines = log.split('\n');
  lines.forEach((line, i) => {
    const done = /^✅\s+(\S+)\s*$/.exec(line);
    if (!done) return;
    for (const next of lines.slice(i + 1, i + 4)) {
      const time = /^✨\s+Deployment time: ([\d.]+)s/.exec(next);
      if (time) {
        times.set(done[1], Number(time[1]));
        return;
      }
    }
  });
  return times;
}

/** The rows that did not reach CREATE_COMPLETE. */
export function failedStacks(rows: readonly StackRow[]): StackRow[] {
  return rows.filter((r) => r.status !== 'CREATE_COMPLETE');
}

/** A plain-text table with a header, columns padded to their widest cell. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function stackTable(rows: readonly StackRow[]): string {
  return formatTable(
    ['stack', 'region', 'status', 'seconds'],
    rows.map((r) => [r.stack, r.region, r.status, r.seconds === undefined ? '-' : r.seconds.toFixed(1)]),
  );
}

/** Compares the files a deployment must have put in its bucket with what the bucket holds. */
export function compareFiles(expected: ReadonlyMap<string, Buffer>, actual: ReadonlyMap<string, Buffer>): string[] {
  const problems: string[] = [];
  for (const [key, content] of expected) {
    const got = actual.get(key);
    if (got === undefined) problems.push(`${key}: missing`);
    else if (!got.equals(content))
      problems.push(`${key}: differs from the assembly (${got.length} bytes, expected ${content.length})`);
  }
  return problems;
}

/** Placeholders BucketDeployment left unreplaced (`<<marker:0xbaba:N>>`). */
export function leftoverMarkers(actual: ReadonlyMap<string, Buffer>): string[] {
  return [...actual].filter(([, content]) => content.includes('<<marker:')).map(([key]) => `${key}: unreplaced marker`);
}

/**
 * The storefront's runtime configuration must name this deployment's user pool and app client:
 * `clientId` is the client's id and `authority` ends with the pool's id.
 */
export function runtimeConfigProblems(
  config: unknown,
  identity: { readonly userPoolIds: readonly string[]; readonly clientIds: readonly string[] },
): string[] {
  const c = (config ?? {}) as { clientId?: unknown; authority?: unknown };
  const problems: string[] = [];
  if (typeof c.clientId !== 'string' || !identity.clientIds.includes(c.clientId)) {
    problems.push(
      `config.json clientId ${JSON.stringify(c.clientId)} is not this deployment's app client (${identity.clientIds.join(', ') || 'none'})`,
    );
  }
  const authority = typeof c.authority === 'string' ? c.authority : '';
  if (!identity.userPoolIds.some((id) => authority.endsWith(`/${id}`))) {
    problems.push(
      `config.json authority ${JSON.stringify(c.authority)} does not name this deployment's user pool (${identity.userPoolIds.join(', ') || 'none'})`,
    );
  }
  return problems;
}

export type { BucketDeploymentSpec };

/** One resource, as the inventory names it: its CloudFormation type, region and id. */
export interface Item {
  readonly type: string;
  readonly region: string;
  readonly id: string;
}

const key = (i: Item) => `${i.type}|${i.region}|${i.id}`;

export interface RetainedWithId extends RetainedResource {
  /** The physical id, normalised as the inventory lists it. */
  readonly id: string;
}

export interface LeftoverReport {
  /** Retained resources that are still there, as they should be. */
  readonly kept: readonly RetainedWithId[];
  /** Retained resources that are gone. */
  readonly lost: readonly RetainedWithId[];
  /** Retained resources of a type the endpoint could not list. */
  readonly unchecked: readonly RetainedWithId[];
  /** What is left that no template retains. */
  readonly strays: readonly Item[];
  /** Log groups Lambda made for a function of these stacks (not a resource of any stack). */
  readonly lambdaLogGroups: readonly Item[];
}

/**
 * What destroy left: the inventory after it, less the inventory before the deployment, against the
 * retained resources. `listed` are the (type, region) pairs the inventory could list both times.
 */
export function leftovers(
  before: readonly Item[],
  after: readonly Item[],
  retained: readonly RetainedWithId[],
  listed: ReadonlySet<string>,
  functionNames: readonly string[],
): LeftoverReport {
  const old = new Set(before.map(key));
  const now = new Set(after.map(key));
  const isListed = (r: { type: string; region: string }) => listed.has(`${r.type}|${r.region}`);
  const expected = new Set(retained.map((r) => key({ type: r.type, region: r.region, id: r.id })));
  const left = after.filter((i) => !old.has(key(i)) && !expected.has(key(i)));
  const lambdaLog = (i: Item) =>
    i.type === 'AWS::Logs::LogGroup' && functionNames.some((f) => i.id === `/aws/lambda/${f}`);
  return {
    kept: retained.filter((r) => isListed(r) && now.has(key({ type: r.type, region: r.region, id: r.id }))),
    lost: retained.filter((r) => isListed(r) && !now.has(key({ type: r.type, region: r.region, id: r.id }))),
    unchecked: retained.filter((r) => !isListed(r)),
    strays: left.filter((i) => !lambdaLog(i)),
    lambdaLogGroups: left.filter(lambdaLog),
  };
}

/** Counts by type, `AWS::S3::Bucket ×3, ...`, for the summary. */
export function countByType(items: readonly { type: string }[]): string {
  const counts = new Map<string, number>();
  for (const i of items) counts.set(i.type, (counts.get(i.type) ?? 0) + 1);
  return [...counts]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([t, n]) => `${t} ×${n}`)
    .join(', ');
}
