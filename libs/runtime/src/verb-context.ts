import type { DatakitDefinition } from './define-datakit.ts';
import type { DatakitIo, Reporter } from './events.ts';
import type { DatakitServices } from './services.ts';

/** What every verb gets from `runDatakit`. */
export interface VerbContext {
  definition: DatakitDefinition;
  env: Readonly<Record<string, string | undefined>>;
  /** The `--config` flag, when given. */
  configPath: string | undefined;
  services: DatakitServices;
  reporter: Reporter;
  io: DatakitIo;
  /** `DATAKIT_DEBUG=1`: stack traces and debug logs on stderr. */
  debug: boolean;
}
