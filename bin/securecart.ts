#!/usr/bin/env node
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { App, Validations } from 'aws-cdk-lib';
import { buildSecureCart, profileBanner } from '../lib/app';
import { APP_CONTEXT } from '../lib/app-context';
import { disabledGuardRules } from '../lib/config/guard-exemptions';
import { ProfileError, resolveProfile } from '../lib/config/profiles';

// SECURECART_GUARD=1: AWS Control Tower's cfn-guard rules check every template at synthesis
// (CI runs it for sandbox and prod); each rule left out is listed with its reason.
const guard = process.env.SECURECART_GUARD === '1';
const app = new App({ context: APP_CONTEXT });
let profile;
try {
  profile = resolveProfile(app.node.tryGetContext('profile'), {
    alarmEmail: app.node.tryGetContext('alarmEmail'),
    apiCertificateArn: app.node.tryGetContext('apiCertificateArn'),
  });
} catch (e) {
  if (e instanceof ProfileError) {
    console.error(`error: ${e.message}`);
    process.exit(1);
  }
  throw e;
}
console.error(profileBanner(profile));
if (guard) {
  Validations.of(app).addPlugins(
    new CfnGuardValidator({ controlTowerRulesEnabled: true, disabledRules: disabledGuardRules(profile.name) }),
  );
}
buildSecureCart(app, profile);
