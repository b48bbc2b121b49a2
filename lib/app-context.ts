/**
 * Context every SecureCart App starts with: bin/securecart.ts, the tests (test/helpers/synth.ts)
 * and the synth benchmark's minimal app, so all three synthesize the same way.
 */
export const APP_CONTEXT = {
  // No creation stack trace per resource in the assembly's metadata: capturing and source-mapping
  // one for every resource was about a tenth of synth time. `cdk synth --debug` (CDK_DEBUG) records them.
  'aws:cdk:disable-creation-stack-traces': true,
} as const;
