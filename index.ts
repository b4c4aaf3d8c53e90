import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { JobImage } from "./components/jobImage";
import { SparkJob } from "./components/sparkJob";
import { SparkRbac } from "./components/sparkRbac";
import { resultJobOf } from "./lib/config";
import { readStackConfig } from "./lib/stackConfig";

const config = readStackConfig();
const stack = pulumi.getStack();
const labels = { "app.kubernetes.io/managed-by": "pulumi", "pyspark-k8s/stack": stack };

const provider = new k8s.Provider("cluster", {
    kubeconfig: config.cluster.kubeconfig,
    context: config.cluster.context,
});

const image = new JobImage("job-image", {
    source: config.image,
    registryUsername: config.registryUsername,
    registryPassword: config.registryPassword,
});

const rbac = new SparkRbac(
    "spark",
    {
        namespace: config.namespace,
        createNamespace: config.createNamespace,
        serviceAccountName: config.rbac.serviceAccountName,
        binding: config.rbac.binding,
        serviceAccountAnnotations: config.rbac.serviceAccountAnnotations,
        serviceAccountLabels: config.rbac.serviceAccountLabels,
        labels,
    },
    { providers: { kubernetes: provider } },
);

const jobs = Object.entries(config.jobs).map(
    ([name, job]) =>
        new SparkJob(
            name,
            {
                job,
                namespace: rbac.namespace,
                serviceAccountName: rbac.serviceAccountName,
                image: image.imageRef,
                sparkVersion: config.image.sparkVersion,
                runAsUser: config.image.runAsUser,
                secretEnv: config.secretEnv[name],
                cluster: {
                    kubeconfig: config.cluster.kubeconfig,
                    context: config.cluster.context,
                    master: config.cluster.master,
                },
                apiRetrySeconds: config.cluster.apiRetrySeconds,
            },
            { dependsOn: [rbac], providers: { kubernetes: provider } },
        ),
);

export const imageRef = image.imageRef;
export const namespace = rbac.namespace;
export const serviceAccount = rbac.serviceAccountName;
export const clusterRole = rbac.clusterRoleName;
export const binding = pulumi.interpolate`${rbac.bindingKind}/${rbac.bindingName}`;
/** Per job, by name: its last run (driver pod, exit code, duration, executors, result) or its schedule. */
export const jobRuns = Object.fromEntries(jobs.map((job) => [job.jobName, job.record]));
/** The result line of `resultJob`, or of the stack's only job that runs during `pulumi up`. */
const resultJob = resultJobOf(config);
export const result = jobs.find((job) => job.jobName === resultJob)?.result;
