import * as yaml from "js-yaml";
import {
    NOT_RERUNNING,
    cronJobManifest,
    inClusterSubmitArgs,
    jobManifest,
    podResources,
    podTemplatesManifest,
    runName,
    stableJson,
} from "../src/lib/jobPod";
import {
    containerSecurityContext,
    executorPodTemplate,
    podSecurityContext,
} from "../src/lib/podTemplate";
import { RunSpec, jobSelector, runSpecSchema } from "../src/lib/runSpec";
import { DRIVER_SCRIPT } from "../src/lib/driverCommand";
import { piSpec } from "./fixtures/specs";

const confOf = (args: string[]) =>
    Object.fromEntries(
        args.flatMap((a, i) => (args[i - 1] === "--conf" ? [a.split(/=(.*)/s).slice(0, 2)] : [])),
    );

describe("runName", () => {
    it("is the job's name and a hash of what it runs, a DNS-1123 label", () => {
        const name = runName(piSpec());
        expect(name).toMatch(/^pi-[a-z0-9]{8}$/);
        expect(runName(piSpec())).toBe(name);
    });

    it("changes with the image, args, Spark settings and runId", () => {
        const base = runName(piSpec());
        expect(runName(piSpec({ args: ["3"] }))).not.toBe(base);
        expect(runName(piSpec({ executor: { instances: 3 } }))).not.toBe(base);
        expect(runName(piSpec({ conf: { "spark.sql.shuffle.partitions": "4" } }))).not.toBe(base);
        expect(runName(piSpec({ runId: 2 }))).not.toBe(base);
        expect(runName(piSpec({}, { image: `r/x@sha256:${"f".repeat(64)}` }))).not.toBe(base);
    });

    it("does not change with timeouts, retries or the result pattern (they do not change what runs)", () => {
        const base = runName(piSpec());
        expect(
            runName(
                piSpec({
                    runTimeoutSeconds: 99,
                    startTimeoutSeconds: 11,
                    retries: 2,
                    resultPattern: "x",
                }),
            ),
        ).toBe(base);
    });
});

describe("what re-runs a job", () => {
    /** Another value of the same kind. */
    const another = (value: unknown): unknown => {
        if (value === undefined) return "set";
        if (typeof value === "string") return `${value}x`;
        if (typeof value === "number") return value + 1;
        if (typeof value === "boolean") return !value;
        if (Array.isArray(value)) return [...value, "x"];
        return { ...(value as object), added: 1 };
    };

    it.each(Object.keys(runSpecSchema.shape))(
        "%s either names the run or is on the commented list of settings that re-run nothing",
        (key) => {
            const base = piSpec(
                { schedule: "0 3 * * *", resultPattern: "x" },
                { sparkVersion: "3.5.7" },
            );
            const changed = { ...base, [key]: another(base[key as keyof RunSpec]) } as RunSpec;
            if (Object.prototype.hasOwnProperty.call(NOT_RERUNNING, key)) {
                expect(NOT_RERUNNING[key].length).toBeGreaterThan(20);
                expect(runName(changed)).toBe(runName(base));
            } else {
                expect(runName(changed)).not.toBe(runName(base));
            }
        },
    );

    it("lists only settings a run's spec has", () => {
        for (const key of Object.keys(NOT_RERUNNING))
            expect(Object.keys(runSpecSchema.shape)).toContain(key);
    });
});

describe("stableJson", () => {
    it("orders keys so that equal values give equal text", () => {
        expect(stableJson({ b: 1, a: { d: [1, { f: 2, e: 3 }], c: undefined } })).toBe(
            stableJson({ a: { d: [1, { e: 3, f: 2 }] }, b: 1 }),
        );
    });
});

describe("jobManifest", () => {
    const spec = piSpec({ args: ["2"], retries: 2, runTimeoutSeconds: 600, env: { MODE: "fast" } });
    const job = jobManifest(spec);
    const pod = job.spec.template.spec;
    const container = pod.containers[0];

    it("is a batch/v1 Job named by runName in the job's namespace", () => {
        expect(job).toMatchObject({
            apiVersion: "batch/v1",
            kind: "Job",
            metadata: { name: runName(spec), namespace: "spark" },
        });
    });

    it("maps runTimeoutSeconds to activeDeadlineSeconds and retries to backoffLimit", () => {
        expect(job.spec.activeDeadlineSeconds).toBe(600);
        expect(job.spec.backoffLimit).toBe(2);
    });

    it("does not count a pod lost to the infrastructure (DisruptionTarget) or a driver that lost the API as a failed attempt", () => {
        expect(job.spec.podFailurePolicy.rules).toEqual([
            { action: "Ignore", onPodConditions: [{ type: "DisruptionTarget", status: "True" }] },
            {
                action: "Ignore",
                onExitCodes: {
                    containerName: "spark-kubernetes-driver",
                    operator: "In",
                    values: [75],
                },
            },
        ]);
        expect(job.spec.podReplacementPolicy).toBe("Failed");
        expect(pod.restartPolicy).toBe("Never");
    });

    it("runs the image's own spark-submit as the driver's ServiceAccount, in client mode against the in-cluster API", () => {
        expect(pod.serviceAccountName).toBe("spark-driver");
        expect(container.image).toBe(spec.image);
        expect(container.args.slice(0, 4)).toEqual([
            "/bin/bash",
            "-c",
            DRIVER_SCRIPT,
            "spark-submit",
        ]);
        const args = container.args.slice(4);
        expect(args.slice(0, 6)).toEqual([
            "--master",
            "k8s://https://kubernetes.default.svc:443",
            "--deploy-mode",
            "client",
            "--name",
            "pi",
        ]);
        expect(args.slice(-2)).toEqual(["local:///opt/spark/work-dir/app/jobs/pi.py", "2"]);
    });

    it("makes the pod the driver: executors are named after it, owned by it and connect back to its IP", () => {
        const conf = confOf(container.args);
        expect(conf["spark.kubernetes.driver.pod.name"]).toBe("$(PSK_POD_NAME)");
        expect(conf["spark.kubernetes.executor.podNamePrefix"]).toBe("$(PSK_POD_NAME)");
        expect(conf["spark.driver.host"]).toBe("$(PSK_POD_IP)");
        expect(conf["spark.driver.bindAddress"]).toBeUndefined();
        expect(container.env.slice(0, 2)).toEqual([
            { name: "PSK_POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
            { name: "PSK_POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
        ]);
        expect(container.env).toContainEqual({ name: "MODE", value: "fast" });
    });

    it("labels the driver pod with the run, and the executors through Spark's conf", () => {
        const name = runName(spec);
        expect(job.spec.template.metadata.labels).toMatchObject({
            "pyspark-k8s/job": "pi",
            "pyspark-k8s/run": name,
            "spark-role": "driver",
        });
        expect(confOf(container.args)["spark.kubernetes.executor.label.pyspark-k8s/run"]).toBe(
            name,
        );
    });

    it("sizes the driver container as Spark sizes a driver pod: heap plus overhead, CPU limited to its cores", () => {
        expect(container.resources).toEqual({
            requests: { cpu: "1", memory: "896Mi" },
            limits: { cpu: "1", memory: "896Mi" },
        });
    });
});

describe("podResources", () => {
    it("uses the CPU request and limit when set", () => {
        expect(
            podResources(
                {
                    cores: 2,
                    coreRequest: "500m",
                    coreLimit: "2",
                    memory: "1g",
                    memoryOverhead: "256m",
                },
                "local:///app/jobs/pi.py",
            ),
        ).toEqual({
            requests: { cpu: "500m", memory: "1280Mi" },
            limits: { cpu: "2", memory: "1280Mi" },
        });
    });
});

describe("cronJobManifest", () => {
    it("schedules the same Job spec as an unscheduled run, with the CronJob's settings", () => {
        const spec = piSpec();
        const cron = cronJobManifest(spec, {
            cron: "*/5 * * * *",
            timeZone: "Europe/Paris",
            concurrencyPolicy: "Forbid",
            successfulRunsHistoryLimit: 2,
            failedRunsHistoryLimit: 1,
            suspend: false,
        });
        expect(cron.kind).toBe("CronJob");
        expect(cron.spec).toMatchObject({
            schedule: "*/5 * * * *",
            timeZone: "Europe/Paris",
            concurrencyPolicy: "Forbid",
            successfulJobsHistoryLimit: 2,
            failedJobsHistoryLimit: 1,
            suspend: false,
        });
        expect(cron.spec.jobTemplate.spec).toEqual(jobManifest(spec).spec);
        expect(inClusterSubmitArgs(spec, runName(spec))).toEqual(
            cron.spec.jobTemplate.spec.template.spec.containers[0].args.slice(4),
        );
    });
});

describe("the driver pod and the executors' pod template", () => {
    const spec = piSpec(
        {
            volumes: { scratch: { emptyDir: "1Gi", mountPath: "/scratch" } },
            tolerations: [{ key: "spark", operator: "Exists" }],
        },
        { secretEnv: { secret: "pi-secret-env", names: ["TOKEN"] } },
    );
    const manifest = jobManifest(spec);
    const pod = manifest.spec.template.spec;
    const container = pod.containers[0];

    it("runs the driver hardened to Pod Security restricted", () => {
        expect(pod.securityContext).toEqual(podSecurityContext(185));
        expect(container.securityContext).toEqual(containerSecurityContext());
    });

    it("gives the driver the job's volumes, placement and secret variables by reference", () => {
        expect(pod.tolerations).toEqual([{ key: "spark", operator: "Exists" }]);
        expect(container.volumeMounts).toEqual(
            expect.arrayContaining([
                { name: "tmp", mountPath: "/tmp" },
                { name: "vol-scratch", mountPath: "/scratch" },
            ]),
        );
        expect(container.env).toContainEqual({
            name: "TOKEN",
            valueFrom: { secretKeyRef: { name: "pi-secret-env", key: "TOKEN" } },
        });
    });

    it("mounts the run's pod templates and points Spark's executors at them", () => {
        const run = runName(spec);
        expect(pod.volumes).toContainEqual({
            name: "pod-templates",
            configMap: { name: `${run}-pod-templates` },
        });
        expect(container.volumeMounts).toContainEqual({
            name: "pod-templates",
            mountPath: "/opt/spark/pod-templates",
            readOnly: true,
        });
        expect(confOf(container.args)["spark.kubernetes.executor.podTemplateFile"]).toBe(
            "/opt/spark/pod-templates/executor.yaml",
        );
        const configMap = podTemplatesManifest(spec);
        expect(configMap.metadata.name).toBe(`${run}-pod-templates`);
        expect(yaml.load(configMap.data["executor.yaml"])).toEqual(executorPodTemplate(spec));
    });

    it("labels the pod templates so that no run clean-up (by the job's pod selector) deletes them", () => {
        const labels = podTemplatesManifest(spec).metadata.labels;
        expect(labels).toMatchObject({ "pyspark-k8s/stack": "test", "pyspark-k8s/for-job": "pi" });
        const selector = jobSelector(spec);
        expect(Object.entries(selector).every(([k, v]) => labels[k] === v)).toBe(false);
    });

    it("names a new run when volumes, placement or the secret variables' names change", () => {
        const base = runName(piSpec());
        expect(runName(piSpec({ nodeSelector: { pool: "b" } }))).not.toBe(base);
        expect(runName(piSpec({ volumes: { s: { emptyDir: "", mountPath: "/s" } } }))).not.toBe(
            base,
        );
        expect(
            runName(piSpec({}, { secretEnv: { secret: "pi-secret-env", names: ["A"] } })),
        ).not.toBe(base);
        expect(runName(piSpec({}, { runAsUser: 1000 }))).not.toBe(base);
    });
});
