/**
 * Where the storefront's beacons go in tests (test/setup.ts installs it as navigator.sendBeacon
 * before each test): recorded here, never sent. test/clickstream.test.tsx reads them.
 */
export interface Beacon {
  readonly url: string;
  readonly body: string;
}

export const beacons: Beacon[] = [];
const pending: Promise<void>[] = [];

export function installBeaconSink(): void {
  beacons.length = 0;
  Object.defineProperty(navigator, 'sendBeacon', {
    configurable: true,
    value: (url: string, data?: BodyInit | null) => {
      pending.push(
        new Response(data ?? '').text().then((body) => {
          beacons.push({ url, body });
        }),
      );
      return true;
    },
  });
}

/** The beacons sent so far, once their bodies are read. */
export async function sentBeacons(): Promise<Beacon[]> {
  await Promise.all(pending);
  return [...beacons];
}
