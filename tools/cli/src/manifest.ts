import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Config, type Interfaces } from '@oclif/core';

/** The oclif manifest of this CLI, as the committed oclif.manifest.json must hold it. */
export async function manifestJson(): Promise<string> {
  const root = join(import.meta.dirname, '..');
  // Build it from the command files, not from a manifest already there.
  rmSync(join(root, 'oclif.manifest.json'), { force: true });
  const config = await Config.load(root);
  const plugin = config.plugins.get(config.pjson.name);
  if (!plugin) throw new Error(`oclif did not load ${config.pjson.name}`);
  // The loaded plugin object carries the manifest; the public IPlugin type does not say so.
  const { version: _version, ...manifest } = (
    plugin as unknown as { manifest: Interfaces.Manifest }
  ).manifest;
  return `${JSON.stringify({ ...manifest, version: config.pjson.version }, null, 2)}\n`;
}
