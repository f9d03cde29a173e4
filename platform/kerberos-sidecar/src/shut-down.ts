import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { NormalizedSidecarConfig } from './config.ts';
import type { KerberosTools } from './kerberos-tools.ts';
import { removePrivateDir, type PrivateDir } from './keytab-dir.ts';
import { removeReadyFile } from './ready-file.ts';

/**
 * Leaves nothing behind: the readiness file first (nobody should start on a cache about to
 * go), then the shared and working caches (kdestroy, then unlink in case kdestroy could not
 * open a file owned by another user), then the private tmpfs directory with any keytab.
 */
export async function shutDown(
  config: NormalizedSidecarConfig,
  tools: KerberosTools,
  privateDir: PrivateDir | undefined,
): Promise<void> {
  await removeReadyFile(config.readyFile);
  await tools.destroy(config.ccache);
  await rm(config.ccachePath, { force: true });
  if (privateDir !== undefined) {
    await tools.destroy(`FILE:${join(privateDir.path, 'ccache')}`);
    await removePrivateDir(privateDir);
  }
}
