/**
 * @pyspark-k8s/pulumi: Pulumi components that build, run and watch PySpark jobs on
 * Kubernetes, with real pass/fail.
 *
 * - {@link JobImage}: the job image, built and pushed (or an existing one), pinned by digest.
 * - {@link SparkRbac}: the driver's ServiceAccount, ClusterRole and binding (and namespace).
 * - {@link SparkJob}: one job, run as a Kubernetes Job (or CronJob) and followed to its end.
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
} from "./lib/componentArgs";
export type { JobImageSettings, SparkJobSettings, SparkRbacSettings } from "./lib/componentArgs";
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
