import { RunSpec, appUri, labelValue } from "../src/lib/runSpec";
import {
    driverPodName,
    localSubmitConf,
    sparkSubmitArgs,
    sparkMaster,
    sparkSubmitVersion,
    userConf,
} from "../src/lib/submit";
import { IMAGE, piSpec } from "./fixtures/specs";

const RUN = {
    master: "k8s://https://127.0.0.1:6443",
    runName: "pi-k3x9a1b2",
    podTemplateDir: "/tmp/templates",
};

function spec(job: Record<string, unknown>, overrides: Partial<RunSpec> = {}): RunSpec {
    return { ...piSpec(job, { stack: "dev", namespace: "spark-dev" }), ...overrides };
}

/** Every --conf of a run from the deployer: the program's, then the job's own. */
const confList = (s: RunSpec) => [...localSubmitConf(s, RUN), ...userConf(s)];
const confMap = (s: RunSpec) => Object.fromEntries(confList(s));

describe("sparkSubmitArgs", () => {
    it("submits in cluster mode with image, namespace, service account and a per-run driver pod name", () => {
        const args = sparkSubmitArgs(spec({ args: ["4", "1000"] }), RUN);
        expect(args.slice(0, 6)).toEqual([
            "--master",
            "k8s://https://127.0.0.1:6443",
            "--deploy-mode",
            "cluster",
            "--name",
            "pi",
        ]);
        expect(args.slice(-3)).toEqual(["local:///opt/spark/work-dir/app/jobs/pi.py", "4", "1000"]);
        const confs = args.filter((_, i) => args[i - 1] === "--conf");
        expect(confs).toEqual(
            expect.arrayContaining([
                "spark.kubernetes.namespace=spark-dev",
                `spark.kubernetes.container.image=${IMAGE}`,
                "spark.kubernetes.authenticate.driver.serviceAccountName=spark-driver",
                "spark.kubernetes.driver.pod.name=pi-k3x9a1b2-driver",
                "spark.kubernetes.executor.podNamePrefix=pi-k3x9a1b2",
                "spark.kubernetes.submission.waitAppCompletion=false",
            ]),
        );
        // Every --conf is followed by exactly one key=value.
        args.forEach((a, i) => {
            if (a === "--conf") expect(args[i + 1]).toMatch(/^spark\.[^=]+=/);
        });
    });

    it("sets driver and executor cores, memory, overhead, requests and limits, and the executor count", () => {
        const conf = confMap(
            spec({
                driver: { cores: 1, coreRequest: "500m", memory: "1g", memoryOverhead: "128m" },
                executor: {
                    instances: 3,
                    cores: 2,
                    coreRequest: "1500m",
                    coreLimit: "2",
                    memory: "2g",
                    memoryOverhead: "256m",
                },
            }),
        );
        expect(conf).toMatchObject({
            "spark.driver.cores": "1",
            "spark.driver.memory": "1g",
            "spark.driver.memoryOverhead": "128m",
            "spark.kubernetes.driver.request.cores": "500m",
            "spark.executor.cores": "2",
            "spark.executor.memory": "2g",
            "spark.executor.memoryOverhead": "256m",
            "spark.kubernetes.executor.request.cores": "1500m",
            "spark.kubernetes.executor.limit.cores": "2",
            "spark.executor.instances": "3",
            "spark.dynamicAllocation.enabled": "false",
        });
        // Without coreLimit, a pod's CPU is limited to its Spark cores.
        expect(conf["spark.kubernetes.driver.limit.cores"]).toBe("1");
    });

    it("always sets the memory overhead, Spark's default when the job sets none, so Spark sizes pods as the program does", () => {
        const conf = confMap(spec({ driver: { memory: "2g" }, executor: { memory: "512m" } }));
        // Python apps: 40% of the heap, at least 384 MiB.
        expect(conf["spark.driver.memoryOverhead"]).toBe("819m");
        expect(conf["spark.executor.memoryOverhead"]).toBe("384m");
    });

    it("turns on dynamic allocation with shuffle tracking and the executor bounds", () => {
        const conf = confMap(
            spec({
                executor: { instances: 2 },
                dynamicAllocation: { enabled: true, minExecutors: 1, maxExecutors: 6 },
            }),
        );
        expect(conf).toMatchObject({
            "spark.dynamicAllocation.enabled": "true",
            "spark.dynamicAllocation.shuffleTracking.enabled": "true",
            "spark.dynamicAllocation.minExecutors": "1",
            "spark.dynamicAllocation.maxExecutors": "6",
            "spark.dynamicAllocation.initialExecutors": "2",
        });
        expect(conf["spark.executor.instances"]).toBeUndefined();
    });

    it("labels driver and executors with stack, job and run, plus the job's own labels", () => {
        const conf = confMap(spec({ labels: { team: "data" } }));
        for (const role of ["driver", "executor"]) {
            expect(conf).toMatchObject({
                [`spark.kubernetes.${role}.label.team`]: "data",
                [`spark.kubernetes.${role}.label.app.kubernetes.io/managed-by`]: "pulumi",
                [`spark.kubernetes.${role}.label.pyspark-k8s/project`]: "pyspark-k8s",
                [`spark.kubernetes.${role}.label.pyspark-k8s/stack`]: "dev",
                [`spark.kubernetes.${role}.label.pyspark-k8s/job`]: "pi",
                [`spark.kubernetes.${role}.label.pyspark-k8s/run`]: "pi-k3x9a1b2",
            });
        }
    });

    it("passes env to driver and executors, extra conf last, and the context when one is set", () => {
        const s = spec(
            { env: { MODE: "fast" }, conf: { "spark.sql.shuffle.partitions": "8" } },
            { cluster: { context: "minikube" } },
        );
        const conf = confList(s);
        expect(Object.fromEntries(conf)).toMatchObject({
            "spark.kubernetes.driverEnv.MODE": "fast",
            "spark.executorEnv.MODE": "fast",
            "spark.kubernetes.context": "minikube",
        });
        expect(conf[conf.length - 1]).toEqual(["spark.sql.shuffle.partitions", "8"]);
    });

    it("is deterministic", () => {
        const s = spec({ labels: { b: "2", a: "1" }, env: { Z: "1", A: "2" } });
        expect(sparkSubmitArgs(s, RUN)).toEqual(
            sparkSubmitArgs(JSON.parse(JSON.stringify(s)) as RunSpec, RUN),
        );
    });
});

describe("naming", () => {
    it("names the driver pod from the run's name", () => {
        expect(driverPodName("pi-k3x9a1b2")).toBe("pi-k3x9a1b2-driver");
    });

    it("resolves app paths to URIs inside the image", () => {
        expect(appUri("jobs/pi.py")).toBe("local:///opt/spark/work-dir/app/jobs/pi.py");
        expect(appUri("./jobs/pi.py")).toBe("local:///opt/spark/work-dir/app/jobs/pi.py");
        expect(appUri("/opt/spark/examples/src/main/python/pi.py")).toBe(
            "local:///opt/spark/examples/src/main/python/pi.py",
        );
        expect(appUri("s3a://bucket/job.py")).toBe("s3a://bucket/job.py");
    });

    it("makes label values from any stack name", () => {
        expect(labelValue("org/team/prod")).toBe("org-team-prod");
        expect(labelValue("-dev-")).toBe("dev");
        expect(labelValue("x".repeat(80))).toHaveLength(63);
    });
});

describe("sparkMaster", () => {
    it("derives the Spark master with an explicit port", () => {
        expect(sparkMaster("https://127.0.0.1:6443")).toBe("k8s://https://127.0.0.1:6443");
        expect(sparkMaster("https://api.example.com")).toBe("k8s://https://api.example.com:443");
        expect(sparkMaster("https://[::1]:6443/")).toBe("k8s://https://[::1]:6443");
        expect(() => sparkMaster("not a url")).toThrow(/is not a URL/);
    });
});

describe("sparkSubmitVersion", () => {
    it("reads the version from spark-submit --version's banner", () => {
        const banner =
            "Welcome to\n      ____ ...   version 3.5.7\n      /_/\nUsing Scala version 2.12.18";
        expect(sparkSubmitVersion(banner)).toBe("3.5.7");
        expect(sparkSubmitVersion("bash: spark-submit: command not found")).toBeUndefined();
    });
});
