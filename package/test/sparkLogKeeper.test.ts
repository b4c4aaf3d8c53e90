// componentMocks first: it installs the mocks before any component is loaded.
import { DIGEST_REF, childOf, registered } from "./componentMocks";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { SparkLogKeeper } from "../src/components/sparkLogKeeper";
import {
    KEEPER_RULES,
    keeperDeploymentSpec,
    keptPodsSelector,
    stackPodSelector,
} from "../src/lib/logKeeper";
import { only, secretValue, settle, valueOf } from "./mocks";

const TYPE = "pyspark-k8s:logs:SparkLogKeeper";
const SCRIPT = path.join(__dirname, "..", "scripts", "log_keeper.py");
const args = {
    namespace: "spark-local",
    image: DIGEST_REF,
    dir: "s3://psk-history/logs",
    store: { endpoint: "http://10.244.0.1:8333", pathStyle: true },
    podSelector: stackPodSelector("pyspark-k8s", "local"),
};

describe("the log keeper's objects", () => {
    it("may only read the pods of its namespace and their logs", () => {
        expect(KEEPER_RULES).toEqual([
            { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] },
            { apiGroups: [""], resources: ["pods/log"], verbs: ["get"] },
        ]);
    });

    it("keeps every pod of a run, narrowed to one stack's", () => {
        expect(keptPodsSelector(stackPodSelector("pyspark-k8s", "org/local"))).toBe(
            "pyspark-k8s/run,pyspark-k8s/project=pyspark-k8s,pyspark-k8s/stack=org-local",
        );
    });

    it("runs the script in the job image, restricted, with the keys by reference", () => {
        const spec = keeperDeploymentSpec(
            {
                name: "log-keeper",
                namespace: "ns",
                image: DIGEST_REF,
                dir: "s3://b/logs",
                store: { region: "us-east-1", pathStyle: false },
                secret: "log-keeper-store",
                retentionDays: 14,
                podSelector: {},
                runAsUser: 185,
                labels: {},
            },
            "print('x')",
            "log-keeper-script",
        );
        const container = spec.template.spec.containers[0];
        expect(container.args).toEqual(["python3", "/opt/psk-log-keeper/log_keeper.py", "keep"]);
        expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true });
        expect(container.env).toContainEqual({
            name: "AWS_SECRET_ACCESS_KEY",
            valueFrom: { secretKeyRef: { name: "log-keeper-store", key: "secretAccessKey" } },
        });
        expect(container.env).toContainEqual({ name: "PSK_RETENTION_DAYS", value: "14" });
        expect(spec.strategy).toEqual({ type: "Recreate" });
    });

    it("the script: signing, layout, runs of pods, retention and its S3 client (Python's own tests)", () => {
        const run = spawnSync("python3", [path.join(__dirname, "test_log_keeper.py")], {
            encoding: "utf8",
        });
        expect(run.stderr).toMatch(/\nOK\n?$/);
        expect(run.status).toBe(0);
    });
});

describe("SparkLogKeeper", () => {
    it("creates its ServiceAccount, Role and binding, script, Secret, Deployment and NetworkPolicy, all children", async () => {
        const keeper = new SparkLogKeeper("log-keeper", {
            ...args,
            credentials: { accessKeyId: "AKID", secretAccessKey: "s3cr3t" },
            retentionDays: 14,
        });
        expect(await valueOf(keeper.location)).toBe("s3://psk-history/logs/spark-local/");
        await settle();
        const kinds = registered
            .filter((r) => childOf(r, TYPE, "log-keeper"))
            .map((r) => r.type)
            .sort();
        expect(kinds).toEqual([
            "kubernetes:apps/v1:Deployment",
            "kubernetes:core/v1:ConfigMap",
            "kubernetes:core/v1:Secret",
            "kubernetes:core/v1:ServiceAccount",
            "kubernetes:networking.k8s.io/v1:NetworkPolicy",
            "kubernetes:rbac.authorization.k8s.io/v1:Role",
            "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
        ]);
        const script = only(registered, "kubernetes:core/v1:ConfigMap", "log-keeper-script");
        expect(script.inputs.data["log_keeper.py"]).toBe(fs.readFileSync(SCRIPT, "utf8"));
        const secret = only(registered, "kubernetes:core/v1:Secret", "log-keeper-store");
        expect(secretValue(secret.inputs.stringData)).toEqual({
            accessKeyId: "AKID",
            secretAccessKey: "s3cr3t",
        });
        const deployment = only(
            registered,
            "kubernetes:apps/v1:Deployment",
            "log-keeper-deployment",
        );
        expect(JSON.stringify(deployment.inputs)).not.toMatch(/AKID|s3cr3t/);
        expect(deployment.inputs.spec.template.spec.containers[0].env).toContainEqual({
            name: "PSK_POD_SELECTOR",
            value: "pyspark-k8s/run,pyspark-k8s/project=pyspark-k8s,pyspark-k8s/stack=local",
        });
    });

    it("refuses a dir that is not s3://bucket/prefix and a retention below a day", () => {
        expect(
            () => new SparkLogKeeper("log-keeper", { ...args, dir: "s3a://b/x", retentionDays: 0 }),
        ).toThrow(
            /2 invalid arguments[\s\S]*dir: must be s3:\/\/bucket\/prefix[\s\S]*retentionDays: must be at least 1/,
        );
    });
});
