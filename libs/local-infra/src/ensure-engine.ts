import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DockerEngine } from '@datakit/docker';
import { EnvironmentError } from '@datakit/errors';
import type { MachineProbes } from './probes.ts';

/** What `ensureEngine` found or did. */
export interface EngineResult {
  engine: DockerEngine;
  version: string;
  /** True when this call started dockerd (and `down` should stop it). */
  started: boolean;
}

const DOCKERD_PID = 'dockerd.pid';

/**
 * Uses the Docker engine that answers; otherwise, where the machine allows it (root and
 * Debian's docker.io installed), starts dockerd with no bridge and no iptables rules, so no
 * container can land on Docker's default bridge network.
 */
export async function ensureEngine(
  stateDir: string,
  probes: MachineProbes,
  engine: DockerEngine = new DockerEngine(),
): Promise<EngineResult> {
  if (await engine.ping()) {
    return { engine, version: (await engine.version()).version, started: false };
  }
  const dockerd = dockerdToStart(engine.endpoint, probes);
  mkdirSync(stateDir, { recursive: true });
  const log = openSync(join(stateDir, 'dockerd.log'), 'a');
  const child = spawn(
    dockerd,
    [
      '--bridge=none',
      '--iptables=false',
      '--ip6tables=false',
      '--host=unix:///var/run/docker.sock',
    ],
    { detached: true, stdio: ['ignore', log, log] },
  );
  closeSync(log);
  child.unref();
  writeFileSync(join(stateDir, DOCKERD_PID), String(child.pid));
  for (let attempt = 0; attempt < 120; attempt++) {
    if (await engine.ping()) {
      return { engine, version: (await engine.version()).version, started: true };
    }
    if (child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new EnvironmentError('dockerd was started but its engine never answered.', {
    hint: `Read ${join(stateDir, 'dockerd.log')} for the reason.`,
  });
}

/**
 * The dockerd binary this machine lets us start, or an EnvironmentError saying what is missing
 * and the command that fixes it.
 */
export function dockerdToStart(endpoint: string, probes: MachineProbes): string {
  const dockerd = probes.findExecutable('dockerd');
  if (!dockerd) {
    throw new EnvironmentError(
      `No Docker engine answers at ${endpoint}, and dockerd is not installed to start one.`,
      {
        hint: 'Install it with `apt-get install docker.io` (as root), or start your Docker engine and set DOCKER_HOST.',
      },
    );
  }
  if (!probes.isRoot()) {
    throw new EnvironmentError(
      `No Docker engine answers at ${endpoint}, and starting dockerd needs root.`,
      {
        hint: 'Run `sudo npm run infra:up`, or start Docker yourself (e.g. `sudo systemctl start docker`).',
      },
    );
  }
  return dockerd;
}

/** The pid of the dockerd this tool started, if it still runs. */
export function startedDockerdPid(stateDir: string): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(join(stateDir, DOCKERD_PID), 'utf8'));
  } catch {
    return undefined;
  }
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    rmSync(join(stateDir, DOCKERD_PID), { force: true });
    return undefined;
  }
}

/** Stops the dockerd this tool started (never one it found running). True if it stopped one. */
export async function stopStartedEngine(stateDir: string): Promise<boolean> {
  const pid = startedDockerdPid(stateDir);
  if (pid === undefined) return false;
  process.kill(pid, 'SIGTERM');
  for (let attempt = 0; attempt < 120; attempt++) {
    try {
      process.kill(pid, 0);
    } catch {
      rmSync(join(stateDir, DOCKERD_PID), { force: true });
      return true;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new EnvironmentError(`dockerd (pid ${pid}) did not stop within 30 s.`, {
    hint: `Stop it with \`kill ${pid}\`.`,
  });
}
