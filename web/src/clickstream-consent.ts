/**
 * Whether the storefront may record browsing (issue 21's clickstream): never when the browser
 * sends Global Privacy Control, nor after the customer opted out in the footer (remembered in
 * localStorage on this device). Part of the initial JavaScript; the recorder itself
 * (clickstream.ts) is loaded only when there is something to record.
 */
export const OPT_OUT_KEY = 'securecart.clickstream.optOut';

/** navigator.globalPrivacyControl (not yet in TypeScript's DOM types). */
export const globalPrivacyControl = (): boolean =>
  (navigator as Navigator & { globalPrivacyControl?: boolean }).globalPrivacyControl === true;

/** Opted out on this device; storage that cannot be read counts as opted out. */
export function optedOut(): boolean {
  try {
    return localStorage.getItem(OPT_OUT_KEY) === '1';
  } catch {
    return true;
  }
}

export function setOptedOut(out: boolean): void {
  try {
    if (out) localStorage.setItem(OPT_OUT_KEY, '1');
    else localStorage.removeItem(OPT_OUT_KEY);
  } catch {
    // Nothing to remember it in: optedOut() already answers true.
  }
}

export const recordingAllowed = (): boolean => !globalPrivacyControl() && !optedOut();
