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

/** Opens the source, then the target; closes the source again if the target fails. */
export async function openConnections(
  services: DatakitServices,
  config: NormalizedRuntimeConfig,
): Promise<OpenConnections> {
  const source = await services.openSource(config.source);
  let target: TargetSession;
  try {
    target = await services.openTarget(config.target);
  } catch (error) {
    await source.close();
    throw error;
  }
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
