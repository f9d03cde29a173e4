import { rename, rm, writeFile } from 'node:fs/promises';

/** What the ready file and `/readyz` say. No secrets: principal and times only. */
export interface ReadinessReport {
  ready: boolean;
  principal: string;
  /** ISO time the cached TGT expires, when there is one. */
  expiresAt: string | undefined;
  /** ISO time until which it may be renewed. */
  renewUntil: string | undefined;
  /** The last failure's reason while not ready, e.g. `kdc-unreachable`. */
  reason: string | undefined;
}

/** Writes the ready file atomically (readers never see it half written). */
export async function writeReadyFile(path: string, report: ReadinessReport): Promise<void> {
  const staging = `${path}.${process.pid}.tmp`;
  await writeFile(staging, `${JSON.stringify(report)}\n`, { mode: 0o644 });
  await rename(staging, path);
}

/** Removes the ready file; a missing one is fine. */
export async function removeReadyFile(path: string): Promise<void> {
  await rm(path, { force: true });
}
