import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';

/**
 * What the bring-up needs to know about the machine. Passed in (rather than read inside each
 * step) so tests can describe a machine without Docker, without root or with a busy port.
 */
export interface MachineProbes {
  /** True when the process runs as root. */
  isRoot(): boolean;
  /** The absolute path of an executable on PATH (or in sbin), or undefined. */
  findExecutable(name: string): string | undefined;
  /** Undefined when 127.0.0.1:port is free; otherwise who holds it, as far as can be told. */
  portHolder(port: number): Promise<string | undefined>;
}

/** Probes of the real machine. */
export const realMachine: MachineProbes = {
  isRoot: () => process.getuid?.() === 0,
  findExecutable,
  portHolder,
};

function findExecutable(name: string): string | undefined {
  const dirs = [
    ...(process.env.PATH ?? '').split(delimiter),
    '/usr/local/sbin',
    '/usr/sbin',
    '/sbin',
  ];
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

async function portHolder(port: number): Promise<string | undefined> {
  const free = await new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => {
      server.close(() => resolve(true));
    });
  });
  if (free) return undefined;
  // `ss` names the process when we may see it; otherwise say only that the port is taken.
  const ss = spawnSync('ss', ['-Hltnp', `sport = :${port}`], { encoding: 'utf8' });
  const users = /users:\(\("([^"]+)",pid=(\d+)/.exec(ss.stdout ?? '');
  return users ? `${users[1]} (pid ${users[2]})` : 'another process';
}
