/**
 * Pulumi mocks for the component tests, with the outputs the dynamic resources and the
 * Kubernetes provider would give. Import it before any component: the mocks must be in
 * place before a resource class is used. The tests construct their components in a stack
 * opened before them, as a program's are, so that each resource's parent is recorded.
 */
import { Registered, recordResources, runStack } from "./mocks";

/** What a local-submitter run (JobRun) records. */
export const outcome = {
    runName: "pi-abc",
    namespace: "spark",
    driverPod: "pi-abc-driver",
    exitCode: 0,
    durationSeconds: 42.5,
    result: "Pi is roughly 3.14159",
    executorsStarted: 2,
    attempts: 1,
    appId: "spark-0123456789abcdef0123456789abcdef",
};
/** What a cluster-submitter run's RunResult records (its runName is its Job's). */
export const clusterOutcome = {
    driverPod: "pi-0a1b2c3d-x7k2p",
    exitCode: 0,
    durationSeconds: 14,
    result: "Pi is roughly 3.14159",
    executorsStarted: 3,
    attempts: 2,
    appId: "spark-fedcba9876543210fedcba9876543210",
};
export const DIGEST_REF = `127.0.0.1:5000/jobs@sha256:${"b".repeat(64)}`;
export const JOB_RUN = "pulumi-nodejs:dynamic/pyspark-k8s:JobRun";
export const RUN_RESULT = "pulumi-nodejs:dynamic/pyspark-k8s:RunResult";
export const IMAGE_BUILD = "pulumi-nodejs:dynamic/pyspark-k8s:ImageBuild";

export const registered: Registered[] = recordResources((args) => {
    if (args.type === JOB_RUN) return outcome;
    if (args.type === RUN_RESULT) return clusterOutcome;
    if (args.type === "kubernetes:batch/v1:Job")
        return { metadata: { ...args.inputs.metadata, uid: `uid-of-${args.name}` } };
    if (args.type === IMAGE_BUILD) return { imageRef: DIGEST_REF };
    if (args.type === "docker:index/image:Image")
        return { repoDigest: `registry.example.com/data/jobs@sha256:${"c".repeat(64)}` };
    return undefined;
});

beforeAll(() => runStack());
beforeEach(() => registered.splice(0));

/** Whether a resource was registered as a child of the component `type` named `name`. */
export const childOf = (r: Registered, type: string, name: string) =>
    r.parentUrn.endsWith(`${type}::${name}`);
