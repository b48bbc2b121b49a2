import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Identity, spaClientSettings, storefrontUrls } from '../../lib/constructs/api/identity';
import { scratchApps, synthesizeForFile } from '../helpers/synth';
import { api, getAtt, idOf, one } from './helpers';

/** The Api stack (test/api/): the stack, the customer user pool and the outputs. */
describe('Api stack', () => {
  const { sandbox, prod, localstack } = synthesizeForFile(['sandbox', 'prod', 'localstack']);
  const scratchApp = scratchApps();

  test('is SecureCart-<profile>-Api; the localstack profile has none', () => {
    expect(sandbox.stacks.api!.stackName).toBe('SecureCart-sandbox-Api');
    expect(prod.stacks.api!.stackName).toBe('SecureCart-prod-Api');
    expect(localstack.stacks.api).toBeUndefined();
    expect(localstack.app.node.tryFindChild('SecureCart-localstack-Api')).toBeUndefined();
  });

  describe('identity', () => {
    test('user pool: e-mail sign-in, self sign-up with a verification code, strong passwords, optional TOTP', () => {
      for (const s of [sandbox, prod]) {
        const [, pool] = one(s, 'AWS::Cognito::UserPool');
        expect(pool.Properties).toMatchObject({
          UsernameAttributes: ['email'],
          AutoVerifiedAttributes: ['email'],
          AdminCreateUserConfig: { AllowAdminCreateUserOnly: false },
          VerificationMessageTemplate: { DefaultEmailOption: 'CONFIRM_WITH_CODE' },
          Policies: {
            PasswordPolicy: {
              MinimumLength: 12,
              RequireLowercase: true,
              RequireUppercase: true,
              RequireNumbers: true,
              RequireSymbols: true,
            },
          },
          MfaConfiguration: 'OPTIONAL',
          EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
          AccountRecoverySetting: { RecoveryMechanisms: [{ Name: 'verified_email', Priority: 1 }] },
        });
      }
    });

    test('threat protection (Plus plan, enforced) and deletion protection in prod only', () => {
      const [, prodPool] = one(prod, 'AWS::Cognito::UserPool');
      expect(prodPool.Properties).toMatchObject({
        UserPoolTier: 'PLUS',
        UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
        DeletionProtection: 'ACTIVE',
      });
      const [, sandboxPool] = one(sandbox, 'AWS::Cognito::UserPool');
      expect(sandboxPool.Properties.UserPoolTier).toBe('ESSENTIALS');
      expect(sandboxPool.Properties.UserPoolAddOns).toBeUndefined();
      expect(sandboxPool.Properties.DeletionProtection).toBe('INACTIVE');
    });

    test('the storefront client: authorization code (PKCE: a public client without secret), Cognito only', () => {
      const [poolId] = one(sandbox, 'AWS::Cognito::UserPool');
      const [clientId, client] = one(sandbox, 'AWS::Cognito::UserPoolClient');
      expect(client.Properties).toMatchObject({
        UserPoolId: { Ref: poolId },
        GenerateSecret: false,
        AllowedOAuthFlows: ['code'],
        AllowedOAuthFlowsUserPoolClient: true,
        AllowedOAuthScopes: ['openid', 'email'],
        SupportedIdentityProviders: ['COGNITO'],
        ExplicitAuthFlows: ['ALLOW_REFRESH_TOKEN_AUTH'],
        PreventUserExistenceErrors: 'ENABLED',
        EnableTokenRevocation: true,
        // Until the Frontend stack sets its CloudFront domain: the storefront's dev server.
        CallbackURLs: ['http://localhost:5173/auth/callback'],
        LogoutURLs: ['http://localhost:5173/signed-out'],
      });
      // prod's client never accepts a loopback callback (validateProfile refuses one, issue 19).
      const [, prodClient] = one(prod, 'AWS::Cognito::UserPoolClient');
      expect(prodClient.Properties).toMatchObject({
        CallbackURLs: ['https://shop.example.com/auth/callback'],
        LogoutURLs: ['https://shop.example.com/signed-out'],
      });
      const [, domain] = one(sandbox, 'AWS::Cognito::UserPoolDomain');
      expect(domain.Properties).toMatchObject({ ManagedLoginVersion: 2, UserPoolId: { Ref: poolId } });
      expect(JSON.stringify(domain.Properties.Domain)).toContain('AWS::AccountId');
      const [, branding] = one(sandbox, 'AWS::Cognito::ManagedLoginBranding');
      expect(branding.Properties).toMatchObject({ ClientId: { Ref: clientId }, UseCognitoProvidedValues: true });
    });

    test('spaClientSettings: the UpdateUserPoolClient request carries every setting the L2 client has', () => {
      // The Frontend stack will call UpdateUserPoolClient with these; anything missing would be reset.
      for (const origins of [['http://localhost:5173'], ['https://d111111abcdef8.cloudfront.net']]) {
        const app = scratchApp();
        const stack = new Stack(app, 'Identity');
        const identity = new Identity(stack, 'Identity', {
          prefix: 'securecart-test',
          profileName: 'test',
          threatProtection: false,
          storefrontOrigins: origins,
          deletionProtection: false,
          removalPolicy: RemovalPolicy.DESTROY,
        });
        const rendered = Object.values(Template.fromStack(stack).findResources('AWS::Cognito::UserPoolClient'))[0]
          .Properties;
        const { UserPoolId, GenerateSecret, ...settings } = rendered;
        expect({ UserPoolId, GenerateSecret }).toEqual({ UserPoolId: expect.anything(), GenerateSecret: false });
        const { updateRequest } = spaClientSettings(identity.clientName, storefrontUrls(origins));
        expect(updateRequest).toEqual(settings);
        expect(updateRequest.CallbackURLs).toEqual([`${origins[0]}/auth/callback`]);
        // What the Frontend stack's AwsCustomResource will send: the same settings, other URLs.
        const call = identity.storefrontClientUpdate(['https://d222222abcdef8.cloudfront.net']);
        expect(call).toMatchObject({ service: 'CognitoIdentityServiceProvider', action: 'updateUserPoolClient' });
        const { UserPoolId: pool, ClientId, CallbackURLs, LogoutURLs, ...rest } = call.parameters as any;
        expect(stack.resolve(pool)).toEqual(stack.resolve(identity.userPool.userPoolId));
        expect(stack.resolve(ClientId)).toEqual(stack.resolve(identity.client.userPoolClientId));
        expect({ CallbackURLs, LogoutURLs }).toEqual({
          CallbackURLs: ['https://d222222abcdef8.cloudfront.net/auth/callback'],
          LogoutURLs: ['https://d222222abcdef8.cloudfront.net/signed-out'],
        });
        const { CallbackURLs: _c, LogoutURLs: _l, ...sameSettings } = settings;
        expect(rest).toEqual(sameSettings);
      }
    });
  });

  test('outputs: API URL, user pool id, client id, user pool domain, internal ALB DNS', () => {
    const outputs = api(sandbox).toJSON().Outputs;
    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining(['ApiUrl', 'UserPoolId', 'UserPoolClientId', 'UserPoolDomain', 'LoadBalancerDnsName']),
    );
    expect(JSON.stringify(outputs.ApiUrl.Value)).toContain('execute-api');
    expect(outputs.LoadBalancerDnsName.Value).toEqual(
      getAtt(idOf(sandbox, 'AWS::ElasticLoadBalancingV2::LoadBalancer', ''), 'DNSName'),
    );
  });
});
