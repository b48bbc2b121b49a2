import { randomBytes } from 'node:crypto';
import {
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminSetUserPasswordCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import type { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { errorName } from '../../../test/smoke/util';

/** A temporary customer of the user pool, created by the run and deleted at its end. */
export interface TestCustomer {
  readonly email: string;
  readonly password: string;
  /** The user's `sub`: the checkout service's customer id. */
  readonly sub: string;
}

/** A password the pool's policy accepts (12+ characters, upper, lower, digit, symbol). */
export const testPassword = () => `Vd-${randomBytes(12).toString('base64url')}aA1!`;

/**
 * AdminCreateUser (no invitation e-mail, the address marked verified) and a permanent password, so
 * the customer can sign in at once. Returns the customer with its `sub`.
 */
export async function createTestCustomer(
  cognito: CognitoIdentityProviderClient,
  userPoolId: string,
  email: string,
): Promise<TestCustomer> {
  const password = testPassword();
  const { User } = await cognito.send(
    new AdminCreateUserCommand({
      UserPoolId: userPoolId,
      Username: email,
      MessageAction: 'SUPPRESS',
      UserAttributes: [
        { Name: 'email', Value: email },
        { Name: 'email_verified', Value: 'true' },
      ],
    }),
  );
  await cognito.send(
    new AdminSetUserPasswordCommand({ UserPoolId: userPoolId, Username: email, Password: password, Permanent: true }),
  );
  const sub = User?.Attributes?.find((a) => a.Name === 'sub')?.Value;
  if (!sub) throw new Error(`AdminCreateUser ${email}: no sub in the answer`);
  return { email, password, sub };
}

/** Deletes the customer; one already gone is fine. */
export async function deleteTestCustomer(
  cognito: CognitoIdentityProviderClient,
  userPoolId: string,
  email: string,
): Promise<void> {
  try {
    await cognito.send(new AdminDeleteUserCommand({ UserPoolId: userPoolId, Username: email }));
  } catch (error) {
    if (errorName(error) !== 'UserNotFoundException') throw error;
  }
}
