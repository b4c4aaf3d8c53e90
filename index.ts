import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { JobImage } from "./components/jobImage";
import { SparkJob } from "./components/sparkJob";
import { SparkRbac } from "./components/sparkRbac";
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
    registryPassword:
        config.registryPassword === undefined ? undefined : pulumi.secret(config.registryPassword),
});

const rbac = new SparkRbac(
    "spark",
    {
        namespace: config.namespace,
        createNamespace: config.createNamespace,
        serviceAccountName: config.rbac.serviceAccountName,
        binding: config.rbac.binding,
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
                cluster: {
                    kubeconfig: config.cluster.kubeconfig,
                    context: config.cluster.context,
                    master: config.cluster.master,
                },
            },
            { dependsOn: [rbac] },
        ),
);

export const imageRef = image.imageRef;
export const namespace = rbac.namespace;
export const serviceAccount = rbac.serviceAccountName;
export const clusterRole = rbac.clusterRoleName;
export const binding = pulumi.interpolate`${rbac.bindingKind}/${rbac.bindingName}`;
/** Per job: driver pod, exit code, duration, executors started and result line. */
export const jobRuns = Object.fromEntries(
    Object.keys(config.jobs).map((name, i) => [
        name,
        {
            driverPod: jobs[i].driverPod,
            exitCode: jobs[i].exitCode,
            durationSeconds: jobs[i].durationSeconds,
            executorsStarted: jobs[i].executorsStarted,
            result: jobs[i].result,
        },
    ]),
);
/** The first job's result line, e.g. "Pi is roughly 3.14...". */
export const result = jobs[0].result;
