import type { SourceSession, TargetSession } from '@datakit/databases';

import type { NormalizedRuntimeConfig } from './load-config.ts';
import type { DatakitServices } from './services.ts';

/** Source and target sessions of one verb. */
export interface OpenConnections {
  source: SourceSession;
  target: TargetSession;
  /** Closes both; never throws. */
  close(): Promise<void>;
}

/**
 * Opens the source and the target at once (each a network round trip or more, a Kerberos
 * handshake included); when either fails, closes the other and throws the failure, the
 * source's first.
 */
export async function openConnections(
  services: DatakitServices,
  config: NormalizedRuntimeConfig,
): Promise<OpenConnections> {
  const [opened, targeted] = await Promise.allSettled([
    services.openSource(config.source),
    services.openTarget(config.target),
  ]);
  if (opened.status === 'rejected' || targeted.status === 'rejected') {
    await Promise.all([
      opened.status === 'fulfilled' ? opened.value.close() : undefined,
      targeted.status === 'fulfilled' ? targeted.value.close() : undefined,
    ]);
    throw opened.status === 'rejected' ? opened.reason : (targeted as PromiseRejectedResult).reason;
  }
  const source = opened.value;
  const target = targeted.value;
  return {
    source,
    target,
    close: async () => {
      await Promise.all([source.close(), target.close()]);
    },
  };
}

/**
 * Opens `count` more source and target session pairs, all at once, for tables loaded
 * concurrently; when one fails, closes those that opened and throws its error.
 */
export async function openMoreConnections(
  services: DatakitServices,
  config: NormalizedRuntimeConfig,
  count: number,
): Promise<OpenConnections[]> {
  const opened = await Promise.allSettled(
    Array.from({ length: count }, () => openConnections(services, config)),
  );
  const failed = opened.find((o) => o.status === 'rejected');
  if (failed === undefined) {
    return opened.map((o) => (o as PromiseFulfilledResult<OpenConnections>).value);
  }
  await Promise.all(opened.map((o) => (o.status === 'fulfilled' ? o.value.close() : undefined)));
  throw failed.reason;
}
