import { DEPLOY_LABELS } from '../../desired-state.ts';

/** The label selector of everything datakit deployed for one warehouse. */
export function selectWarehouse(warehouse: string, datakit?: string): string {
  return [
    `${DEPLOY_LABELS.managedBy}=datakit`,
    `${DEPLOY_LABELS.warehouse}=${warehouse}`,
    ...(datakit === undefined ? [] : [`${DEPLOY_LABELS.datakit}=${datakit}`]),
  ].join(',');
}
