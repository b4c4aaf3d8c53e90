// A program that is not this repository's: it installs the package from its tarball,
// declares a namespace, the driver's RBAC and one job on an image that exists already.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { SparkJob, SparkRbac } from "@pyspark-k8s/pulumi";

const config = new pulumi.Config();
const kubeconfig = config.require("kubeconfig");
const context = config.require("context");
const providers = { kubernetes: new k8s.Provider("cluster", { kubeconfig, context }) };

const namespace = new k8s.core.v1.Namespace(
    "jobs",
    { metadata: { name: config.require("namespace") } },
    { provider: providers.kubernetes },
);
const rbac = new SparkRbac(
    "spark",
    { namespace: namespace.metadata.name, createNamespace: false },
    { providers },
);

const pi = new SparkJob(
    "pi",
    {
        namespace: rbac.namespace,
        serviceAccountName: rbac.serviceAccountName,
        image: config.require("image"),
        // One of Apache's own examples, as the image carries it.
        app: "local:///opt/spark/examples/src/main/python/pi.py",
        args: [config.get("partitions") ?? "2"],
        executor: { instances: 1, coreRequest: "250m", memoryOverhead: "256m" },
        driver: { coreRequest: "250m", memoryOverhead: "256m" },
        resultPattern: "Pi is roughly [0-9.]+",
        startTimeoutSeconds: 120,
        runTimeoutSeconds: 600,
        cluster: { kubeconfig, context },
    },
    { providers, dependsOn: [rbac] },
);

export const result = pi.result;
