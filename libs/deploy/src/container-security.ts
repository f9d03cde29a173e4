/**
 * How every container of a deploy is confined, whichever driver runs it: the Kubernetes
 * securityContext and resources, and the Docker HostConfig, take their values from here.
 */

/** Memory limits (Kubernetes quantities) and process limits, as both drivers set them. */
export const CONTAINER_LIMITS = {
  /**
   * A datakit job's memory limit on Kubernetes; on Docker the environment's `limits.memory`,
   * whose default is the same.
   */
  datakitMemory: '1Gi',
  /** The Kerberos sidecar: Node and kinit, a few MB of tickets. */
  sidecarMemory: '128Mi',
  /** The sidecar's process limit (Docker): node with its threads and one kinit or klist. */
  sidecarPids: 64,
} as const;
