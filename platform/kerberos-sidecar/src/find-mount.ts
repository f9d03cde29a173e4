/** One line of /proc/mounts. */
export interface MountEntry {
  source: string;
  mountPoint: string;
  fsType: string;
  options: string[];
}

/** Parses /proc/mounts (octal escapes such as `\040` for spaces decoded). */
export function parseMounts(text: string): MountEntry[] {
  const decode = (field: string): string =>
    field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
  return text
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields.length >= 4)
    .map(([source, mountPoint, fsType, options]) => ({
      source: decode(source as string),
      mountPoint: decode(mountPoint as string),
      fsType: fsType as string,
      options: (options as string).split(','),
    }));
}

/**
 * The mount that holds `path` (an absolute, normalised path): the longest mount point that is a
 * prefix of it; the last such line wins, as later mounts hide earlier ones.
 */
export function findMount(mounts: MountEntry[], path: string): MountEntry | undefined {
  let best: MountEntry | undefined;
  for (const mount of mounts) {
    const point = mount.mountPoint;
    const holds =
      point === '/' || path === point || path.startsWith(point.endsWith('/') ? point : `${point}/`);
    if (holds && (best === undefined || point.length >= best.mountPoint.length)) best = mount;
  }
  return best;
}

/** Memory-backed file systems: what a keytab may be written to. */
export const MEMORY_FILE_SYSTEMS: readonly string[] = ['tmpfs', 'ramfs'];
