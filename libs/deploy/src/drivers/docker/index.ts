export { CONTAINER_PATHS, dockerNames, jobSpec, sidecarSpec } from './config.ts';
export { DockerDriver } from './driver.ts';
export { secretFileOf as dockerSecretFileOf } from './map-secret-files.ts';
