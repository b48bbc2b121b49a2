/** Helpers for reading the state machine definition out of a synthesized template. */

/** The definition of the template's state machine, with CloudFormation tokens left as "TOKEN". */
export function definitionOf(
  resources: Record<string, { Type: string; Properties: any }>,
  name: 'OrderFulfillment' | 'ShipOrder' = 'OrderFulfillment',
): any {
  const sm = stateMachineOf(resources, name);
  const definition = sm.Properties.DefinitionString;
  if (typeof definition === 'string') return JSON.parse(definition);
  const parts = definition['Fn::Join'][1] as unknown[];
  return JSON.parse(parts.map((p) => (typeof p === 'string' ? p : 'TOKEN')).join(''));
}

/** Every state by name, including those inside Parallel branches and Map item processors. */
export function allStates(definition: any): Record<string, any> {
  const out: Record<string, any> = {};
  const walk = (states: Record<string, any>) => {
    for (const [name, s] of Object.entries(states)) {
      out[name] = s;
      for (const b of s.Branches ?? []) walk(b.States);
      if (s.ItemProcessor) walk(s.ItemProcessor.States);
    }
  };
  walk(definition.States);
  return out;
}

/**
 * The template's state machine of that name (`securecart-<profile>-<name>`): OrderFulfillment, or
 * ShipOrder, the shipping sub-workflow it starts (docs/adr/0029).
 */
export function stateMachineOf(
  resources: Record<string, { Type: string; Properties: any }>,
  name: 'OrderFulfillment' | 'ShipOrder' = 'OrderFulfillment',
): { Type: string; Properties: any } {
  const found = Object.values(resources).filter(
    (r) => r.Type === 'AWS::StepFunctions::StateMachine' && String(r.Properties.StateMachineName).endsWith(`-${name}`),
  );
  if (found.length !== 1) throw new Error(`expected one ${name} state machine in the template, found ${found.length}`);
  return found[0];
}
