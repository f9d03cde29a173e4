/** Airflow: the pins of a warehouse environment as a DAG folder, and its check against the lock. */
export {
  renderAirflowDags,
  targetTablesOfSpec,
  type AirflowDag,
  type AirflowDagFolder,
  type AirflowTask,
  type RenderAirflowOptions,
} from './render-airflow-dags.ts';
export { verifyAirflowDags, type AirflowDagsCheckResult } from './verify-airflow-dags.ts';
