/**
 * @pyspark-k8s/pulumi: Pulumi components that build, run and watch PySpark jobs on
 * Kubernetes, with real pass/fail.
 *
 * - {@link JobImage}: the job image, built and pushed (or an existing one), pinned by digest.
 * - {@link SparkRbac}: the driver's ServiceAccount, ClusterRole and binding (and namespace).
 * - {@link SparkJob}: one job, run as a Kubernetes Job (or CronJob) and followed to its end.
 * - {@link SparkHistoryServer}: the Spark History Server over the jobs' event logs.
 * - {@link SparkLogKeeper}: keeps every pod log of a namespace's runs in an S3 store.
 *
 * The validation every component runs on its arguments is exported too, so that a
 * program can check a whole configuration before it constructs anything.
 */
export { ImageMode, JobImage } from "./components/jobImage";
export type { JobImageArgs } from "./components/jobImage";
export { RbacBinding, SparkRbac } from "./components/sparkRbac";
export type { SparkRbacArgs } from "./components/sparkRbac";
export { SparkJob, jobRecord } from "./components/sparkJob";
export type { JobRecord, RunRecord, ScheduleRecord } from "./components/sparkJob";
export * from "./components/sparkJobArgs";
export { SparkHistoryServer } from "./components/sparkHistoryServer";
export type { SparkHistoryServerArgs } from "./components/sparkHistoryServer";
export { SparkLogKeeper } from "./components/sparkLogKeeper";
export { stackPodSelector } from "./lib/logKeeper";
export type { SparkLogKeeperArgs } from "./components/sparkLogKeeper";
export type { RunOutcome } from "./runner/protocol";
export {
    DEFAULT_BASE_IMAGE,
    DEFAULT_SERVICE_ACCOUNT,
    DEFAULT_SPARK_VERSION,
    jobImageArgsSchema,
    jobImageProblems,
    sparkJobArgsSchema,
    sparkJobProblems,
    sparkRbacArgsSchema,
    sparkRbacProblems,
    credentialsSchema,
    sparkHistoryServerArgsSchema,
    sparkHistoryServerProblems,
    sparkLogKeeperArgsSchema,
    sparkLogKeeperProblems,
} from "./lib/componentArgs";
export type {
    JobImageSettings,
    SparkHistoryServerSettings,
    SparkJobSettings,
    SparkLogKeeperSettings,
    SparkRbacSettings,
} from "./lib/componentArgs";
export {
    eventLogDirSchema,
    eventLogSchema,
    logStoreDirSchema,
    metricsSchema,
    objectStoreSchema,
    observabilityConfProblems,
} from "./lib/observability";
export { jobSettingsCrossProblems } from "./lib/jobChecks";
export type { JobSettings } from "./lib/jobSettings";
export {
    jobNameSchema,
    jobSettingsSchema,
    sparkMasterSchema,
    apiRetrySecondsSchema,
    cpuQuantity,
} from "./lib/jobSettings";
export { jobFootprint } from "./lib/podSize";
export { InvalidArgumentsError, allowedKeysAt, pathText, schemaProblems } from "./lib/problems";
export type { ArgPath, Problem } from "./lib/problems";
export { parseK8sQuantity } from "./lib/quantities";
export { recordOf } from "./lib/records";
