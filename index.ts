import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { JobImage, SparkJob, SparkRbac, jobRecord } from "@pyspark-k8s/pulumi";
import { readStackConfig } from "./lib/stackConfig";
import { resultJobOf } from "./lib/stackValidation";

const config = readStackConfig();
const labels = { "app.kubernetes.io/managed-by": "pulumi", "pyspark-k8s/stack": pulumi.getStack() };
const access = { kubeconfig: config.cluster.kubeconfig, context: config.cluster.context };
const providers = { kubernetes: new k8s.Provider("cluster", access) };

const image = new JobImage("job-image", config.image);

const rbac = new SparkRbac("spark", { ...config.rbac, labels }, { providers });

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
        },
        { dependsOn: [rbac], providers },
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
