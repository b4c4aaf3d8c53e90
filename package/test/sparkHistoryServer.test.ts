// componentMocks first: it installs the mocks before any component is loaded.
import { DIGEST_REF, childOf, registered } from "./componentMocks";
import * as pulumi from "@pulumi/pulumi";
import { SparkHistoryServer } from "../src/components/sparkHistoryServer";
import {
    HISTORY_SCRIPT,
    historyDeploymentSpec,
    historyPodMemory,
    historyProperties,
} from "../src/lib/historyServer";
import { InvalidArgumentsError } from "../src/lib/problems";
import { only, secretValue, settle, valueOf } from "./mocks";

const TYPE = "pyspark-k8s:history:SparkHistoryServer";
const args = {
    namespace: "spark",
    image: DIGEST_REF,
    logDirectory: "s3a://psk-history/events",
    store: { endpoint: "http://10.244.0.1:8333", pathStyle: true },
};
const spec = {
    name: "spark-history",
    namespace: "spark",
    image: DIGEST_REF,
    logDirectory: "s3a://psk-history/events",
    store: { endpoint: "http://10.244.0.1:8333", region: "us-east-1", pathStyle: true },
    secret: "spark-history-store",
    memory: "512m",
    coreRequest: "250m",
    coreLimit: "1",
    updateIntervalSeconds: 10,
    runAsUser: 185,
    labels: {},
};

describe("the History Server's objects", () => {
    it("its properties read the directory with the bucket's options, the keys named as variables", () => {
        const text = historyProperties(spec);
        expect(text).toContain("spark.history.fs.logDirectory=s3a://psk-history/events\n");
        expect(text).toContain(
            "spark.hadoop.fs.s3a.bucket.psk-history.access.key=${env.PSK_HISTORY_ACCESS_KEY_ID}\n",
        );
        expect(text).toContain("spark.hadoop.fs.s3a.bucket.psk-history.retry.limit=1\n");
    });

    it("its pod is restricted, takes no API token, reads its keys by reference, and is ready only once it has read the directory", () => {
        const deployment = historyDeploymentSpec(spec, "spark-history-conf");
        const pod = deployment.template.spec;
        const container = pod.containers[0];
        expect(pod.automountServiceAccountToken).toBe(false);
        expect(pod.securityContext).toMatchObject({
            runAsNonRoot: true,
            seccompProfile: { type: "RuntimeDefault" },
        });
        expect(container.securityContext).toMatchObject({
            readOnlyRootFilesystem: true,
            allowPrivilegeEscalation: false,
            capabilities: { drop: ["ALL"] },
        });
        expect(container.env).toContainEqual({
            name: "PSK_HISTORY_SECRET_ACCESS_KEY",
            valueFrom: { secretKeyRef: { name: "spark-history-store", key: "secretAccessKey" } },
        });
        // The server binds its port before it reads the directory and exits if it cannot:
        // only a pod ready twice in a row, for 10 s, counts.
        expect(container.readinessProbe).toMatchObject({
            httpGet: { path: "/api/v1/applications?limit=1", port: 18080 },
            successThreshold: 2,
        });
        expect(deployment.minReadySeconds).toBe(10);
        expect(container.resources.limits).toEqual({ cpu: "1", memory: "896Mi" });
        expect(historyPodMemory("2g")).toBe("2432Mi");
        // Why it stopped reaches `pulumi up` as the container's termination message.
        expect(HISTORY_SCRIPT).toContain("/dev/termination-log");
        expect(container.args.slice(3)).toEqual([
            "spark-history-server",
            "/etc/psk-history/history.conf",
            "s3a://psk-history/events",
        ]);
    });
});

describe("SparkHistoryServer", () => {
    it("creates its ServiceAccount, configuration, Deployment (bounded wait), Service and NetworkPolicy, all children", async () => {
        const server = new SparkHistoryServer("spark-history", {
            ...args,
            credentials: { accessKeyId: "AKID", secretAccessKey: pulumi.secret("s3cr3t") },
            readyTimeoutSeconds: 120,
        });
        expect(await valueOf(server.portForward)).toBe(
            "kubectl -n spark port-forward service/spark-history 18080:18080",
        );
        await settle();
        const kinds = registered
            .filter((r) => childOf(r, TYPE, "spark-history"))
            .map((r) => r.type)
            .sort();
        expect(kinds).toEqual([
            "kubernetes:apps/v1:Deployment",
            "kubernetes:core/v1:ConfigMap",
            "kubernetes:core/v1:Secret",
            "kubernetes:core/v1:Service",
            "kubernetes:core/v1:ServiceAccount",
            "kubernetes:networking.k8s.io/v1:NetworkPolicy",
        ]);
        const deployment = only(
            registered,
            "kubernetes:apps/v1:Deployment",
            "spark-history-deployment",
        );
        expect(deployment.inputs.metadata.annotations).toEqual({
            "pulumi.com/timeoutSeconds": "120",
        });
        const secret = only(registered, "kubernetes:core/v1:Secret", "spark-history-store");
        expect(secretValue(secret.inputs.stringData)).toEqual({
            accessKeyId: "AKID",
            secretAccessKey: "s3cr3t",
        });
        // The keys are in the Secret only: not in the pod, not in the configuration.
        const conf = only(registered, "kubernetes:core/v1:ConfigMap", "spark-history-conf");
        for (const place of [deployment.inputs, conf.inputs])
            expect(JSON.stringify(place)).not.toMatch(/AKID|s3cr3t/);
        const service = only(registered, "kubernetes:core/v1:Service", "spark-history-service");
        expect(service.inputs.spec.ports).toEqual([
            { name: "http", port: 18080, targetPort: 18080 },
        ]);
    });

    it("without keys: no Secret, the server uses the credentials provider (cloud identity)", async () => {
        new SparkHistoryServer("history", {
            ...args,
            credentialsProvider: "com.amazonaws.auth.WebIdentityTokenCredentialsProvider",
            serviceAccountAnnotations: { "eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/r" },
        });
        await settle();
        expect(registered.filter((r) => r.type === "kubernetes:core/v1:Secret")).toEqual([]);
        const sa = only(registered, "kubernetes:core/v1:ServiceAccount", "history-sa");
        expect(sa.inputs.metadata.annotations).toEqual({
            "eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/r",
        });
        const conf = only(registered, "kubernetes:core/v1:ConfigMap", "history-conf");
        expect(conf.inputs.data["history.conf"]).toContain(
            "aws.credentials.provider=com.amazonaws.auth.WebIdentityTokenCredentialsProvider",
        );
    });

    it("refuses bad arguments before creating anything, naming each and never a key", () => {
        expect(
            () =>
                new SparkHistoryServer("History", {
                    ...args,
                    logDirectory: "s3://psk-history/events",
                    credentials: { accessKeyId: "", secretAccessKey: "s3cr3t" },
                    readyTimeoutSeconds: 5,
                }),
        ).toThrow(InvalidArgumentsError);
        try {
            new SparkHistoryServer("History", {
                ...args,
                logDirectory: "s3://psk-history/events",
                readyTimeoutSeconds: 5,
            });
        } catch (err) {
            const message = (err as Error).message;
            expect(message).toMatch(/SparkHistoryServer 'History': 3 invalid arguments/);
            expect(message).toMatch(/logDirectory: s3:\/\/ is not Hadoop's S3 connector/);
            expect(message).toMatch(/readyTimeoutSeconds: must be at least 30/);
        }
        expect(registered.filter((r) => r.type.startsWith("kubernetes:"))).toEqual([]);
    });
});
