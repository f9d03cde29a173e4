import { describe, expect, it } from 'vitest';
import { findMount, parseMounts } from './find-mount.ts';

const MOUNTS = `overlay / overlay rw,relatime,lowerdir=/a,upperdir=/b,workdir=/c 0 0
proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0
shm /dev/shm tmpfs rw,nosuid,nodev,noexec,relatime,size=65536k 0 0
/dev/sda1 /var/run/datakit/krb5 ext4 rw,relatime 0 0
tmpfs /run/datakit/keytab tmpfs rw,nosuid,nodev,size=1024k,mode=700 0 0
/dev/sda1 /run/with\\040space ext4 rw 0 0
`;

describe('findMount', () => {
  const mounts = parseMounts(MOUNTS);

  it('finds the tmpfs that holds a directory below its mount point', () => {
    expect(findMount(mounts, '/run/datakit/keytab/kerberos-sidecar-x')?.fsType).toBe('tmpfs');
  });

  it('finds /dev/shm as tmpfs', () => {
    expect(findMount(mounts, '/dev/shm')?.fsType).toBe('tmpfs');
  });

  it('falls back to the root file system for a directory on no mount of its own', () => {
    expect(findMount(mounts, '/tmp/keytabs')?.fsType).toBe('overlay');
  });

  it('does not take a mount point for a prefix of a longer name', () => {
    expect(findMount(mounts, '/run/datakit/keytab2')?.mountPoint).toBe('/');
  });

  it('decodes escaped spaces in mount points', () => {
    expect(findMount(mounts, '/run/with space/x')?.fsType).toBe('ext4');
  });
});
