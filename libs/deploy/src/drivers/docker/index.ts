export { dockerNames, jobSpec, sidecarSpec } from './config.ts';
export { DockerDriver } from './driver.ts';
