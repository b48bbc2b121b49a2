import { readFileSync } from 'node:fs';
import { currentDiagramDocument, DIAGRAM_FILE, workflowMermaid } from '../scripts/workflow-diagram';

describe('the workflow diagram in docs/diagrams', () => {
  test('is what the synthesized state machine draws (run `npm run docs:diagram` after a workflow change)', () => {
    expect(readFileSync(DIAGRAM_FILE, 'utf8')).toBe(currentDiagramDocument());
  });

  test('draws both workflows: OrderFulfillment, its sub-workflow start, and ShipOrder', () => {
    const doc = readFileSync(DIAGRAM_FILE, 'utf8');
    expect(doc).toContain('ShipOrder[["ShipOrder ↻ ⇒ sub-workflow"]]');
    expect(doc).toContain('## ShipOrder, the shipping sub-workflow');
    expect(doc.match(/```mermaid/g)).toHaveLength(2);
    expect(doc).toContain('WaitForPickup -.->|"States.Timeout, States.HeartbeatTimeout"| NoPickupInTime');
  });

  test('draws next states, choices, caught errors and nested branches', () => {
    const text = workflowMermaid({
      StartAt: 'A',
      States: {
        A: { Type: 'Task', Next: 'B?', Retry: [{ ErrorEquals: ['X'] }], Catch: [{ ErrorEquals: ['Boom'], Next: 'F' }] },
        'B?': { Type: 'Choice', Choices: [{ Variable: '$.ok', BooleanEquals: true, Next: 'P' }], Default: 'F' },
        P: { Type: 'Parallel', Branches: [{ StartAt: 'C', States: { C: { Type: 'Pass', End: true } } }], End: true },
        F: { Type: 'Fail' },
      },
    });
    expect(text.split('\n')).toEqual([
      'flowchart TD',
      '  start_A(( )) --> A',
      '  A["A ↻"]',
      '  A --> B_',
      '  A -.->|"Boom"| F',
      '  B_{"B?"}',
      '  B_ -->|"$.ok == true"| P',
      '  B_ -->|otherwise| F',
      '  subgraph P ["P (Parallel)"]',
      '    direction TB',
      '    start_C(( )) --> C',
      '    C("C")',
      '  end',
      '  F(["F"])',
    ]);
  });
});
