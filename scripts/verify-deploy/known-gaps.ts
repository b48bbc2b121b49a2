/**
 * Checks of verify:deploy known to fail on today's main, each with its reason (the issue that
 * closes it). Their FAIL lines say so; `--allow-known-gaps` (the local CI run) keeps them from
 * failing the run, and fails it instead once one passes, so a closed gap leaves this list.
 */
export const KNOWN_GAPS: Readonly<Record<string, string>> = {
  'data protection: execution history':
    'issue 19: no claim check yet, the execution input is the order with its payment token (docs/data-protection.md, "The payment token\'s path")',
  'data protection: workflow logs':
    'issue 19: the state machine logs with execution data, so its input with the token (docs/data-protection.md)',
};
