import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

/** One command as the CLI's public surface: id, flags and args (names only, sorted). */
export interface CommandSurface {
  id: string;
  summary: string;
  flags: string[];
  args: string[];
  json: boolean;
}

interface CommandClass {
  summary?: string;
  flags?: Record<string, unknown>;
  args?: Record<string, unknown>;
  enableJsonFlag?: boolean;
}

/** Loads every command file and describes it: what `command-snapshot.json` pins. */
export async function commandSurface(): Promise<CommandSurface[]> {
  const dir = join(import.meta.dirname, 'commands');
  const files: string[] = [];
  const walk = (current: string): void => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(current, entry.name));
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts'))
        files.push(join(current, entry.name));
    }
  };
  walk(dir);
  const surface: CommandSurface[] = [];
  for (const file of files.sort()) {
    const command = ((await import(file)) as { default: CommandClass }).default;
    surface.push({
      id: relative(dir, file).replace(/\.ts$/, '').split('/').join(' '),
      summary: command.summary ?? '',
      flags: Object.keys(command.flags ?? {}).sort(),
      args: Object.keys(command.args ?? {}),
      json: command.enableJsonFlag === true,
    });
  }
  return surface;
}
