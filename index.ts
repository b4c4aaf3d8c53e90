import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
    JobImage,
    SparkHistoryServer,
    SparkJob,
    SparkLogKeeper,
    SparkRbac,
    jobRecord,
    stackPodSelector,
} from "@pyspark-k8s/pulumi";
import { readStackConfig } from "./lib/stackConfig";
import { resultJobOf } from "./lib/stackValidation";

const config = readStackConfig();
const labels = { "app.kubernetes.io/managed-by": "pulumi", "pyspark-k8s/stack": pulumi.getStack() };
const access = { kubeconfig: config.cluster.kubeconfig, context: config.cluster.context };
const providers = { kubernetes: new k8s.Provider("cluster", access) };

const image = new JobImage("job-image", config.image);

const rbac = new SparkRbac("spark", { ...config.rbac, labels }, { providers });

// What the runs show of themselves (event logs, History Server, kept logs, metrics).
const observed = config.observability;
const keys = config.storeKeys && {
    accessKeyId: config.storeKeys.accessKeyId,
    secretAccessKey: config.storeKeys.secretAccessKey,
};
const placed = {
    namespace: rbac.namespace,
    image: image.imageRef,
    store: observed?.store,
    serviceAccountAnnotations: observed?.serviceAccountAnnotations,
    runAsUser: image.runAsUser,
    labels,
};
const keeper =
    observed?.podLogs &&
    new SparkLogKeeper(
        "log-keeper",
        {
            ...placed,
            dir: observed.podLogs.dir,
            retentionDays: observed.podLogs.retentionDays,
            readyTimeoutSeconds: observed.podLogs.readyTimeoutSeconds,
            credentials: keys,
            podSelector: stackPodSelector(pulumi.getProject(), pulumi.getStack()),
        },
        { providers, dependsOn: [rbac] },
    );
const { enabled: historyEnabled, ...historySettings } = observed?.historyServer ?? {};
const history =
    observed?.eventLog && historyEnabled
        ? new SparkHistoryServer(
              "spark-history",
              {
                  ...placed,
                  ...historySettings,
                  logDirectory: observed.eventLog.dir,
                  credentialsProvider: observed.eventLog.credentialsProvider,
                  credentials: config.storeKeys?.readOnly ?? keys,
              },
              { providers, dependsOn: [rbac] },
          )
        : undefined;

const jobs = config.jobs.map(({ name, settings, secretEnv }) => ({
    name,
    job: new SparkJob(
        name,
        {
            ...settings,
            namespace: rbac.namespace,
            serviceAccountName: rbac.serviceAccountName,
            image: image.imageRef,
            sparkVersion: image.sparkVersion,
            runAsUser: image.runAsUser,
            secretEnv,
            cluster: { ...access, master: config.cluster.master },
            apiRetrySeconds: config.cluster.apiRetrySeconds,
            eventLog: observed?.eventLog && {
                ...observed.eventLog,
                store: observed.store,
                credentials: keys,
            },
            metrics: observed?.metrics,
            historyServerUrl: history?.url,
            podLogsDir: observed?.podLogs?.dir,
        },
        // The log keeper first: it keeps the logs from the first run on.
        { dependsOn: [rbac, ...(keeper ? [keeper] : [])], providers },
    ),
}));

export const imageRef = image.imageRef;
export const namespace = rbac.namespace;
export const serviceAccount = rbac.serviceAccountName;
export const clusterRole = rbac.clusterRoleName;
export const binding = pulumi.interpolate`${rbac.bindingKind}/${rbac.bindingName}`;
/** Per job, by name: its last run (driver pod, exit code, duration, executors, result) or its schedule. */
export const jobRuns = Object.fromEntries(jobs.map(({ name, job }) => [name, jobRecord(job)]));
/** The result line of `resultJob`, or of the stack's only job that runs during `pulumi up`. */
export const result = jobs.find(({ name }) => name === resultJobOf(config))?.job.result;
/** The History Server: its URL (reachable where the cluster's Service IPs are) and how to reach it otherwise. */
export const historyServer = history
    ? { url: history.url, portForward: history.portForward }
    : null;
/** Where the runs' pod logs are kept, and the keeper that prints them (`npm run job -- logs <job>`). */
export const logKeeper = keeper
    ? { location: keeper.location, namespace: rbac.namespace, deployment: keeper.deploymentName }
    : null;
