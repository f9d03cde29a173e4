import type { NormalizedRuntimeConfig } from './load-config.ts';
import type { OpenConnection } from './open-connection.ts';
import type { DatakitServices } from './services.ts';

/** Source and target sessions of one verb. */
export interface OpenConnections {
  source: OpenConnection;
  target: OpenConnection;
  /** Closes both; never throws. */
  close(): Promise<void>;
}

/** Opens the source, then the target; closes the source again if the target fails. */
export async function openConnections(
  services: DatakitServices,
  config: NormalizedRuntimeConfig,
): Promise<OpenConnections> {
  const source = await services.openConnection('source', config.source);
  let target: OpenConnection;
  try {
    target = await services.openConnection('target', config.target);
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
