/**
 * EventBridge event patterns and SNS subscription filter policies, matched in TypeScript so that
 * `npm test` needs nothing but Node (docs/adr/0010-typescript-event-matchers-with-a-moto-referee.md).
 *
 * It covers the syntax SecureCart's rules and subscriptions use and its close family, with AWS's
 * documented semantics:
 *
 * EventBridge patterns (`matchesEventPattern`)
 * - A pattern is an object; every key must match (AND). A value is either a nested object (the
 *   event's object at that key) or a non-empty array of filters, of which one must match (OR).
 * - Filters: exact values (string, number, boolean, null; type-sensitive, case-sensitive),
 *   `{prefix}` / `{suffix}` (a string, or `{"equals-ignore-case": string}`), `{"equals-ignore-case"}`,
 *   `{numeric: [op, n]}` or `{numeric: [lower-op, n, upper-op, m]}` with `=`, `<`, `<=`, `>`, `>=`
 *   (JSON numbers only: "5" is not 5), `{"anything-but": value | [values] | {prefix | suffix |
 *   "equals-ignore-case": ...}}` (never matches an absent field), `{exists: true | false}`
 *   (leaf fields; an object is not a leaf), and `$or: [pattern, ...]`.
 * - Arrays in the event: a filter matches if any element matches; for a nested pattern, one
 *   element (object) must match all of its keys (EventBridge's array consistency).
 *
 * SNS filter policies (`matchesFilterPolicy`)
 * - Scope `MessageAttributes` (the default): every key names a message attribute; attribute types
 *   `String`, `String.Array` (each element is a separate value), `Number` (matched as a number) and
 *   `Binary` (only `exists` applies). `{"exists": false}` does not match a message without any
 *   attributes (as documented).
 * - Scope `MessageBody`: the policy is applied to the parsed JSON body, with nested objects and
 *   arrays as for EventBridge; a body that is not JSON matches nothing. `exists: true` needs a
 *   non-null, non-empty value.
 * - Rules: exact strings and numbers, `prefix`, `suffix`, `equals-ignore-case`, `numeric`,
 *   `anything-but` (values, numbers, `{prefix}` or `{suffix}`; matches when some value of the
 *   attribute is not excluded, never when the attribute is absent), `exists`, and `$or`.
 *
 * Anything else (an unknown or unimplemented operator such as `wildcard` or `cidr`, an operator
 * object with two keys, an empty filter list, a malformed numeric range) throws an
 * `UnsupportedFilterError` naming the operator and its place in the pattern: a pattern this
 * matcher does not understand must fail a test, not silently match nothing. Patterns are checked
 * as a whole before any event is looked at, so the error does not depend on the event.
 *
 * moto is the independent referee: `npm run test:matchers` (scripts/check-matchers.ts) runs every
 * synthesized pattern and policy against a grid of samples (test/helpers/match-grid.ts) with this
 * matcher and with moto's, and fails on any disagreement.
 */

/** A pattern or policy uses syntax this matcher does not implement (or that AWS rejects). */
export class UnsupportedFilterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedFilterError';
  }
}

export type FilterPolicyScope = 'MessageAttributes' | 'MessageBody';

export interface SnsMessageAttribute {
  readonly Type: string;
  readonly Value: string;
}

/** An SNS message as a filter policy sees it: its attributes and its body (the `Message`). */
export interface SnsMessage {
  readonly attributes?: Readonly<Record<string, SnsMessageAttribute>>;
  readonly body?: string;
}

/** One pattern or policy against one event or message (the unit `aws_matchers.py` also takes). */
export type MatchCase =
  | { readonly kind: 'event'; readonly pattern: unknown; readonly event: unknown }
  | {
      readonly kind: 'sns';
      readonly policy: unknown;
      readonly scope?: FilterPolicyScope;
      readonly attributes?: Readonly<Record<string, SnsMessageAttribute>>;
      readonly body?: string;
    };

/** True when the EventBridge pattern matches the event (the whole event, envelope included). */
export function matchesEventPattern(pattern: unknown, event: unknown): boolean {
  return compiled(eventPatterns, pattern, () => compileObject(pattern, '', EVENTBRIDGE))(event);
}

/** Throws an UnsupportedFilterError if the pattern uses syntax this matcher does not implement. */
export function validateEventPattern(pattern: unknown): void {
  compiled(eventPatterns, pattern, () => compileObject(pattern, '', EVENTBRIDGE));
}

/** True when the SNS subscription filter policy accepts the message. */
export function matchesFilterPolicy(
  policy: unknown,
  message: SnsMessage,
  scope: FilterPolicyScope = 'MessageAttributes',
): boolean {
  if (scope === 'MessageAttributes') {
    const match = compiled(attributePolicies, policy, () => compileAttributePolicy(policy));
    return match(message.attributes ?? {});
  }
  if (scope !== 'MessageBody') throw new UnsupportedFilterError(`unknown FilterPolicyScope "${String(scope)}"`);
  const match = compiled(bodyPolicies, policy, () => compileObject(policy, '', SNS_BODY));
  let body: unknown;
  try {
    body = JSON.parse(message.body ?? '');
  } catch {
    return false; // SNS does not deliver a message whose body is not JSON to a MessageBody policy
  }
  return match(body);
}

/** Throws an UnsupportedFilterError if the policy uses syntax this matcher does not implement. */
export function validateFilterPolicy(policy: unknown, scope: FilterPolicyScope = 'MessageAttributes'): void {
  if (scope === 'MessageBody') compiled(bodyPolicies, policy, () => compileObject(policy, '', SNS_BODY));
  else compiled(attributePolicies, policy, () => compileAttributePolicy(policy));
}

export function matchCase(c: MatchCase): boolean {
  if (c.kind === 'event') return matchesEventPattern(c.pattern, c.event);
  if (c.kind === 'sns')
    return matchesFilterPolicy(c.policy, { attributes: c.attributes, body: c.body }, c.scope ?? 'MessageAttributes');
  throw new UnsupportedFilterError(`unknown case kind "${String((c as { kind?: unknown }).kind)}"`);
}

// --- internals ---------------------------------------------------------------------------------

/**
 * The values a filter sees at one place of an event or message. `present` is false when the
 * field is absent (or is not a leaf); `values` are the scalars found there (array elements each).
 */
interface Field {
  readonly present: boolean;
  readonly values: readonly unknown[];
  /** `exists: true` needs more than presence for SNS message bodies (a non-null, non-empty value). */
  readonly hasValue: boolean;
  /** SNS attribute scope only: the message carries no attributes at all. */
  readonly noAttributes?: boolean;
}
type FieldMatcher = (field: Field) => boolean;
type ObjectMatcher = (node: unknown) => boolean;

interface Dialect {
  readonly name: string;
  /** Compiles one element of a filter list. */
  rule(rule: unknown, path: string): FieldMatcher;
}

const ABSENT: Field = { present: false, values: [], hasValue: false };

const eventPatterns = new Map<string, ObjectMatcher>();
const attributePolicies = new Map<string, (attributes: Readonly<Record<string, SnsMessageAttribute>>) => boolean>();
const bodyPolicies = new Map<string, ObjectMatcher>();

/** Compiles (and so validates) a pattern once; later calls with an equal pattern reuse it. */
function compiled<T>(cache: Map<string, T>, pattern: unknown, compile: () => T): T {
  const key = JSON.stringify(pattern) ?? 'undefined';
  let hit = cache.get(key);
  if (!hit) {
    hit = compile();
    cache.set(key, hit);
  }
  return hit;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown) => JSON.stringify(v) ?? String(v);
const at = (path: string) => (path === '' ? 'the pattern' : `"${path}"`);

function unsupported(path: string, message: string): never {
  throw new UnsupportedFilterError(`${at(path)}: ${message}`);
}

/** The single `{operator: argument}` of an operator object. */
function operatorOf(rule: Record<string, unknown>, path: string): [string, unknown] {
  const keys = Object.keys(rule);
  if (keys.length !== 1) unsupported(path, `an operator object has exactly one key, got ${show(rule)}`);
  return [keys[0], rule[keys[0]]];
}

/** A pattern object: every key must match. Used for EventBridge patterns and SNS MessageBody policies. */
function compileObject(pattern: unknown, path: string, dialect: Dialect): ObjectMatcher {
  if (!isObject(pattern)) unsupported(path, `a ${dialect.name} must be a JSON object, got ${show(pattern)}`);
  const checks = Object.entries(pattern).map(([key, sub]): ObjectMatcher => {
    const here = path === '' ? key : `${path}.${key}`;
    if (key === '$or') {
      const alternatives = orAlternatives(sub, here).map((alt, i) => compileObject(alt, `${here}[${i}]`, dialect));
      return (node) => alternatives.some((alternative) => alternative(node));
    }
    if (Array.isArray(sub)) {
      const filters = compileFilters(sub, here, dialect);
      return (node) => filters(fieldAt(node, key, dialect));
    }
    if (isObject(sub)) {
      const nested = compileObject(sub, here, dialect);
      return (node) => {
        const child = childOf(node, key);
        // Array consistency: one element must match the whole nested pattern.
        if (Array.isArray(child)) {
          const elements = child.flat(Infinity);
          return elements.length === 0 ? nested(undefined) : elements.some((element) => nested(element));
        }
        return nested(child);
      };
    }
    return unsupported(here, `must be an array of filters or a nested object, got ${show(sub)}`);
  });
  return (node) => checks.every((check) => check(node));
}

function orAlternatives(sub: unknown, path: string): unknown[] {
  if (!Array.isArray(sub) || sub.length < 2)
    unsupported(path, `"$or" takes an array of at least two patterns, got ${show(sub)}`);
  return sub;
}

/** A non-empty filter list: one filter must match. */
function compileFilters(filters: unknown[], path: string, dialect: Dialect): FieldMatcher {
  if (filters.length === 0) unsupported(path, 'an empty filter list matches nothing (AWS rejects it)');
  const compiledFilters = filters.map((rule, i) => dialect.rule(rule, `${path}[${i}]`));
  return (field) => compiledFilters.some((filter) => filter(field));
}

function childOf(node: unknown, key: string): unknown {
  return isObject(node) && Object.prototype.hasOwnProperty.call(node, key) ? node[key] : undefined;
}

/** The field at `key` of an event or a message body: absent, or its scalar values. */
function fieldAt(node: unknown, key: string, dialect: Dialect): Field {
  if (!isObject(node) || !Object.prototype.hasOwnProperty.call(node, key)) return ABSENT;
  const value = node[key];
  if (isObject(value)) return ABSENT; // not a leaf: filters apply to leaves only
  const values = Array.isArray(value) ? value.flat(Infinity).filter((v) => !isObject(v)) : [value];
  const hasValue =
    dialect === SNS_BODY ? value !== null && value !== '' && !(Array.isArray(value) && value.length === 0) : true;
  return { present: true, values, hasValue };
}

// --- operators shared by both services --------------------------------------------------------

type NumericOp = '=' | '<' | '<=' | '>' | '>=';
const LOWER: readonly string[] = ['>', '>='];
const UPPER: readonly string[] = ['<', '<='];

/** `numeric: ['>=', 1]`, `['=', 5]`, or a range `['>', 0, '<=', 5]` (one lower and one upper bound). */
function compileNumeric(arg: unknown, path: string): (n: number) => boolean {
  const malformed = (why: string) => unsupported(path, `malformed numeric filter ${show(arg)}: ${why}`);
  if (!Array.isArray(arg) || (arg.length !== 2 && arg.length !== 4))
    return malformed('expected [operator, number] or [lower-operator, number, upper-operator, number]');
  const pairs: Array<[NumericOp, number]> = [];
  for (let i = 0; i < arg.length; i += 2) {
    const [op, value] = [arg[i], arg[i + 1]];
    if (typeof op !== 'string' || ![...LOWER, ...UPPER, '='].includes(op)) malformed(`unknown operator ${show(op)}`);
    if (typeof value !== 'number' || !Number.isFinite(value)) malformed(`${show(value)} is not a number`);
    pairs.push([op as NumericOp, value]);
  }
  if (pairs.length === 2) {
    const ops = pairs.map(([op]) => op);
    if (!(ops.some((op) => LOWER.includes(op)) && ops.some((op) => UPPER.includes(op))))
      malformed('a range needs one lower bound (> or >=) and one upper bound (< or <=)');
  }
  return (n) =>
    pairs.every(([op, value]) => {
      switch (op) {
        case '=':
          return n === value;
        case '<':
          return n < value;
        case '<=':
          return n <= value;
        case '>':
          return n > value;
        case '>=':
          return n >= value;
      }
    });
}

/** A string test: a plain string, or (where allowed) `{"equals-ignore-case": string}`. */
function compileStringTest(
  op: 'prefix' | 'suffix' | 'equals-ignore-case',
  arg: unknown,
  path: string,
  allowIgnoreCase: boolean,
): (s: string) => boolean {
  const test = (expected: string, ignoreCase: boolean) => {
    const norm = (s: string) => (ignoreCase ? s.toLowerCase() : s);
    const e = norm(expected);
    if (op === 'prefix') return (s: string) => norm(s).startsWith(e);
    if (op === 'suffix') return (s: string) => norm(s).endsWith(e);
    return (s: string) => norm(s) === e;
  };
  if (typeof arg === 'string') return test(arg, op === 'equals-ignore-case');
  if (allowIgnoreCase && op !== 'equals-ignore-case' && isObject(arg)) {
    const [inner, value] = operatorOf(arg, path);
    if (inner === 'equals-ignore-case' && typeof value === 'string') return test(value, true);
  }
  return unsupported(path, `"${op}" takes a string, got ${show(arg)}`);
}

/** What `anything-but` excludes: a value, a list of values, or `{prefix | suffix | ...}`. */
function compileExclusion(arg: unknown, path: string, stringOps: readonly string[]): (v: unknown) => boolean {
  const scalar = (v: unknown): v is string | number =>
    typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));
  if (scalar(arg)) return (v) => v === arg;
  if (Array.isArray(arg)) {
    if (arg.length === 0 || !arg.every(scalar))
      unsupported(path, `"anything-but" takes a non-empty list of strings or numbers, got ${show(arg)}`);
    if (new Set(arg.map((v) => typeof v)).size > 1)
      unsupported(path, `"anything-but" lists only strings or only numbers, got ${show(arg)}`);
    const excluded = new Set<unknown>(arg);
    return (v) => excluded.has(v);
  }
  if (isObject(arg)) {
    const [op, value] = operatorOf(arg, path);
    if (!stringOps.includes(op)) {
      unsupported(
        path,
        `"anything-but": {"${op}": ...} is not implemented by this matcher (supported: ${stringOps.join(', ')})`,
      );
    }
    const test = compileStringTest(op as 'prefix' | 'suffix' | 'equals-ignore-case', value, path, false);
    return (v) => typeof v === 'string' && test(v);
  }
  return unsupported(path, `"anything-but" takes a value, a list or an operator object, got ${show(arg)}`);
}

const KNOWN_BUT_UNIMPLEMENTED = ['wildcard', 'cidr', 'contains'];

function unknownOperator(op: string, path: string, supported: readonly string[]): never {
  if (KNOWN_BUT_UNIMPLEMENTED.includes(op)) {
    unsupported(
      path,
      `operator "${op}" is not implemented by this matcher; extend test/helpers/event-matchers.ts ` +
        `(and its tests, and check it with npm run test:matchers) before using it`,
    );
  }
  return unsupported(path, `unknown operator "${op}" (supported: ${supported.join(', ')})`);
}

// --- EventBridge ---------------------------------------------------------------------------------

const EVENTBRIDGE_OPERATORS = ['prefix', 'suffix', 'equals-ignore-case', 'numeric', 'anything-but', 'exists'];

const EVENTBRIDGE: Dialect = {
  name: 'pattern',
  rule(rule, path) {
    if (rule === null || ['string', 'number', 'boolean'].includes(typeof rule))
      return (field) => field.values.some((v) => v === rule);
    if (!isObject(rule)) return unsupported(path, `a filter is a value or an operator object, got ${show(rule)}`);
    const [op, arg] = operatorOf(rule, path);
    switch (op) {
      case 'exists':
        if (typeof arg !== 'boolean') unsupported(path, `"exists" takes true or false, got ${show(arg)}`);
        return (field) => field.present === arg;
      case 'prefix':
      case 'suffix':
      case 'equals-ignore-case': {
        const test = compileStringTest(op, arg, path, true);
        return (field) => field.values.some((v) => typeof v === 'string' && test(v));
      }
      case 'numeric': {
        const test = compileNumeric(arg, path);
        return (field) => field.values.some((v) => typeof v === 'number' && test(v));
      }
      case 'anything-but': {
        const excluded = compileExclusion(arg, path, ['prefix', 'suffix', 'equals-ignore-case']);
        return (field) => field.values.some((v) => !excluded(v));
      }
      default:
        return unknownOperator(op, path, EVENTBRIDGE_OPERATORS);
    }
  },
};

// --- SNS -------------------------------------------------------------------------------------------

const SNS_OPERATORS = ['prefix', 'suffix', 'equals-ignore-case', 'numeric', 'anything-but', 'exists'];

/** One rule of an SNS filter list, over the string and number values of an attribute or body field. */
function compileSnsRule(rule: unknown, path: string): FieldMatcher {
  if (typeof rule === 'string') return (field) => field.values.some((v) => v === rule);
  if (typeof rule === 'number' && Number.isFinite(rule)) return (field) => field.values.some((v) => v === rule);
  if (!isObject(rule)) {
    return unsupported(
      path,
      `an SNS filter rule is a string, a number or an operator object, got ${show(rule)} (true, false and null are not implemented by this matcher)`,
    );
  }
  const [op, arg] = operatorOf(rule, path);
  switch (op) {
    case 'exists':
      if (typeof arg !== 'boolean') unsupported(path, `"exists" takes true or false, got ${show(arg)}`);
      return arg ? (field) => field.present && field.hasValue : (field) => !field.present && !field.noAttributes;
    case 'prefix':
    case 'suffix':
    case 'equals-ignore-case': {
      const test = compileStringTest(op, arg, path, false);
      return (field) => field.values.some((v) => typeof v === 'string' && test(v));
    }
    case 'numeric': {
      const test = compileNumeric(arg, path);
      return (field) => field.values.some((v) => typeof v === 'number' && test(v));
    }
    case 'anything-but': {
      const excluded = compileExclusion(arg, path, ['prefix', 'suffix']);
      return (field) => field.values.some((v) => !excluded(v));
    }
    default:
      return unknownOperator(op, path, SNS_OPERATORS);
  }
}

const SNS_BODY: Dialect = { name: 'filter policy', rule: compileSnsRule };

/** The values of one message attribute, by its type. */
function attributeField(attribute: SnsMessageAttribute | undefined, name: string): Field {
  if (attribute === undefined) return ABSENT;
  const { Type: type, Value: value } = attribute;
  switch (type) {
    case 'String':
      return { present: true, hasValue: true, values: [value] };
    case 'Number': {
      const n = Number(value);
      if (typeof value !== 'string' || value.trim() === '' || !Number.isFinite(n))
        throw new UnsupportedFilterError(`message attribute "${name}" is a Number with value ${show(value)}`);
      return { present: true, hasValue: true, values: [n] };
    }
    case 'String.Array': {
      let parsed: unknown;
      try {
        parsed = JSON.parse(value);
      } catch {
        parsed = undefined;
      }
      if (!Array.isArray(parsed))
        throw new UnsupportedFilterError(`message attribute "${name}" is a String.Array but ${show(value)} is not`);
      return {
        present: true,
        hasValue: true,
        values: parsed.filter((v) => typeof v === 'string' || typeof v === 'number'),
      };
    }
    case 'Binary':
      return { present: true, hasValue: true, values: [] };
    default:
      throw new UnsupportedFilterError(
        `message attribute "${name}" has type ${show(type)}; this matcher knows String, String.Array, Number and Binary`,
      );
  }
}

/** A MessageAttributes policy: attribute names (or `$or`) to filter lists; no nesting. */
function compileAttributePolicy(
  policy: unknown,
  path = '',
): (attributes: Readonly<Record<string, SnsMessageAttribute>>) => boolean {
  if (!isObject(policy)) unsupported(path, `a filter policy must be a JSON object, got ${show(policy)}`);
  const checks = Object.entries(policy).map(([key, sub]) => {
    const here = path === '' ? key : `${path}.${key}`;
    if (key === '$or') {
      const alternatives = orAlternatives(sub, here).map((alt, i) => compileAttributePolicy(alt, `${here}[${i}]`));
      return (attributes: Readonly<Record<string, SnsMessageAttribute>>) =>
        alternatives.some((alternative) => alternative(attributes));
    }
    if (!Array.isArray(sub)) {
      return unsupported(
        here,
        `must be an array of rules, got ${show(sub)} (nested policies need FilterPolicyScope MessageBody)`,
      );
    }
    const filters = compileFilters(sub, here, SNS_BODY);
    return (attributes: Readonly<Record<string, SnsMessageAttribute>>) => {
      const own = Object.prototype.hasOwnProperty.call(attributes, key);
      const field = attributeField(own ? attributes[key] : undefined, key);
      return filters(Object.keys(attributes).length === 0 ? { ...field, noAttributes: true } : field);
    };
  });
  return (attributes) => checks.every((check) => check(attributes));
}
