export { localInfra, type LocalInfra, type PostgresConnection } from './environment.ts';
export {
  BASE_IMAGES,
  nodeBinaryFromNpm,
  type BaseImageSource,
  type Report,
} from './ensure-base-images.ts';
export {
  infraDown,
  infraStatus,
  infraUp,
  type InfraDownResult,
  type InfraStatus,
  type InfraUpOptions,
  type InfraUpResult,
  type ServiceStatus,
} from './local-infra.ts';
export { infraPaths, repoRoot, type InfraPaths } from './paths.ts';
export { realMachine, type MachineProbes } from './probes.ts';
export { REGISTRY_TOKEN_AUTH, REGISTRY_USERS, type RegistryUser } from './registry-auth.ts';
export { POSTGRES_ROLES, type PostgresRole } from './secrets.ts';
export {
  addLocalSource,
  listLocalSources,
  type AddLocalSourceOptions,
  type AddLocalSourceResult,
  type LocalSource,
} from './sources.ts';
export {
  INFRA_LABEL,
  KERBEROS_REALM,
  SERVICE_LABEL,
  serviceDefinitions,
  type ServiceName,
} from './services.ts';
