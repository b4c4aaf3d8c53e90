import {
    ConfigError,
    jobFootprint,
    memoryOverheadMiB,
    resultJobOf,
    validateStackConfig,
} from "../lib/config";

const DIGEST = `sha256:${"a".repeat(64)}`;
const minimal = () => ({
    image: { mode: "existing", ref: `registry.example.com/jobs@${DIGEST}` },
    jobs: { pi: { app: "jobs/pi.py" } },
});

function problemsOf(raw: Record<string, unknown>): string[] {
    try {
        validateStackConfig(raw, "test");
    } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as ConfigError).problems.map(
            (p) =>
                `${p.key}: ${p.message}${p.value === undefined ? "" : ` <${JSON.stringify(p.value)}>`}`,
        );
    }
    throw new Error("expected a ConfigError");
}

describe("validateStackConfig", () => {
    it("fills every default", () => {
        const config = validateStackConfig(minimal());
        expect(config.namespace).toBe("spark-jobs");
        expect(config.createNamespace).toBe(true);
        expect(config.rbac).toEqual({
            serviceAccountName: "spark-driver",
            binding: "namespace",
            serviceAccountAnnotations: {},
            serviceAccountLabels: {},
        });
        const pi = config.jobs.pi;
        expect(pi.executor).toEqual({ cores: 1, memory: "512m", instances: 2 });
        expect(pi.driver).toEqual({ cores: 1, memory: "512m" });
        expect(pi.dynamicAllocation.enabled).toBe(false);
        expect(pi.startTimeoutSeconds).toBe(180);
        expect(pi.runTimeoutSeconds).toBe(1800);
        expect(pi.runId).toBe("1");
        expect(pi.submitter).toBe("cluster");
        expect(pi.retries).toBe(0);
        expect(pi.schedule).toBeUndefined();
        expect(config.cluster.apiRetrySeconds).toBe(120);
    });

    it("declares the default base image's Spark version, and only that image's", () => {
        const built = { mode: "cli", registry: "registry.example.com", repository: "org/jobs" };
        expect(validateStackConfig({ ...minimal(), image: built }).image.sparkVersion).toBe(
            "4.1.2",
        );
        const other = { ...built, baseImage: "apache/spark:3.5.7-scala2.12-java17-python3-ubuntu" };
        expect(
            validateStackConfig({ ...minimal(), image: other }).image.sparkVersion,
        ).toBeUndefined();
    });

    it("takes a schedule as a cron string or as the CronJob's settings", () => {
        const cron = validateStackConfig({
            ...minimal(),
            jobs: { pi: { app: "a.py", schedule: "0 3 * * *" } },
        });
        expect(cron.jobs.pi.schedule).toEqual({
            cron: "0 3 * * *",
            concurrencyPolicy: "Forbid",
            successfulRunsHistoryLimit: 3,
            failedRunsHistoryLimit: 3,
            suspend: false,
        });
        const full = validateStackConfig({
            ...minimal(),
            jobs: {
                pi: {
                    app: "a.py",
                    schedule: {
                        cron: "@daily",
                        timeZone: "Europe/Paris",
                        concurrencyPolicy: "Replace",
                        suspend: true,
                    },
                },
            },
        });
        expect(full.jobs.pi.schedule).toMatchObject({
            cron: "@daily",
            timeZone: "Europe/Paris",
            concurrencyPolicy: "Replace",
            suspend: true,
        });
    });

    it("refuses bad schedules and retries, and what the local submitter cannot do", () => {
        expect(
            problemsOf({
                ...minimal(),
                jobs: {
                    a: { app: "a.py", schedule: "every night" },
                    b: {
                        app: "b.py",
                        schedule: { cron: "0 3 * * *", concurrencyPolicy: "Sometimes" },
                    },
                    c: { app: "c.py", retries: -1 },
                    d: { app: "d.py", submitter: "laptop" },
                },
            }),
        ).toEqual([
            'pyspark-k8s:jobs.a.schedule.cron: must be a cron expression of five fields (e.g. "0 3 * * *") or a macro such as @daily <"every night">',
            'pyspark-k8s:jobs.b.schedule.concurrencyPolicy: must be Forbid, Allow or Replace <"Sometimes">',
            "pyspark-k8s:jobs.c.retries: must be at least 0 <-1>",
            "pyspark-k8s:jobs.d.submitter: must be 'cluster' (a Kubernetes Job runs spark-submit) or 'local' (spark-submit from the deployer) <\"laptop\">",
        ]);
        expect(
            problemsOf({
                image: { mode: "existing", ref: `registry.example.com/jobs@${DIGEST}` },
                jobs: {
                    pi: { app: "a.py", submitter: "local", schedule: "0 3 * * *", retries: 1 },
                },
            }),
        ).toEqual([
            "pyspark-k8s:jobs.pi.schedule: needs submitter 'cluster': a schedule runs as a CronJob in the cluster <\"0 3 * * *\">",
            "pyspark-k8s:jobs.pi.retries: needs submitter 'cluster': retries are the Kubernetes Job's backoffLimit <1>",
        ]);
    });

    it("requires the image's Spark version for the local submitter, which checks spark-submit against it", () => {
        expect(
            problemsOf({ ...minimal(), jobs: { pi: { app: "a.py", submitter: "local" } } }),
        ).toEqual([
            "pyspark-k8s:image.sparkVersion: is required by job 'pi' (submitter 'local'): the deployer's spark-submit must match the image's Spark, and this says which that is (e.g. 3.5.7)",
        ]);
    });

    it("defaults a built image to the official Spark Python base image", () => {
        const config = validateStackConfig({
            ...minimal(),
            image: { mode: "docker", registry: "registry.example.com", repository: "org/jobs" },
        });
        expect(config.image).toMatchObject({
            mode: "docker",
            tag: "latest",
            context: "app",
            dockerfile: "app/Dockerfile",
        });
        expect(config.image.mode !== "existing" && config.image.baseImage).toMatch(
            /^apache\/spark:[0-9.]+-.*python3/,
        );
    });

    it("turns a numeric runId into a string", () => {
        expect(
            validateStackConfig({ ...minimal(), jobs: { pi: { app: "a.py", runId: 7 } } }).jobs.pi
                .runId,
        ).toBe("7");
    });

    it("reports every problem at once, with key, value and what is allowed", () => {
        const problems = problemsOf({
            namespace: "Spark_Jobs",
            colour: "blue",
            cluster: { master: "k8s://https://10.0.0.1" },
            image: { mode: "docker", registry: "registry.example.com" },
            jobs: {
                pi: {
                    app: "jobs/pi.py",
                    executor: { instances: -2, memory: "lots" },
                    driver: { memory: "256m" },
                    conf: { "spark.kubernetes.namespace": "other" },
                    typo: 1,
                },
                "Bad.Name": { app: "x.py" },
            },
        });
        expect(problems).toEqual(
            expect.arrayContaining([
                expect.stringMatching(/^pyspark-k8s:namespace: .*DNS-1123 label.* <"Spark_Jobs">$/),
                expect.stringMatching(
                    /^pyspark-k8s:colour: is not a known setting; allowed here: cluster, namespace, .*jobs$/,
                ),
                expect.stringMatching(
                    /^pyspark-k8s:cluster.master: .*port is required.* <"k8s:\/\/https:\/\/10.0.0.1">$/,
                ),
                expect.stringMatching(/^pyspark-k8s:image.repository: is required/),
                expect.stringMatching(
                    /^pyspark-k8s:jobs.pi.executor.instances: must be at least 1 <-2>$/,
                ),
                expect.stringMatching(
                    /^pyspark-k8s:jobs.pi.executor.memory: must be a Spark memory size.* <"lots">$/,
                ),
                expect.stringMatching(
                    /^pyspark-k8s:jobs.pi.driver.memory: must be at least 450m.* <"256m">$/,
                ),
                expect.stringMatching(
                    /^pyspark-k8s:jobs.pi.conf.spark.kubernetes.namespace: is set by the program; use namespace instead <"other">$/,
                ),
                expect.stringMatching(
                    /^pyspark-k8s:jobs.pi.typo: is not a known setting; allowed here: app, args/,
                ),
                expect.stringMatching(/^pyspark-k8s:jobs.Bad.Name: .*DNS-1123 label/),
            ]),
        );
        expect(problems).toHaveLength(10);
    });

    it("says nothing was created, in one message naming the stack", () => {
        expect(() => validateStackConfig({ jobs: {} }, "prod")).toThrow(
            /^invalid configuration of stack 'prod': 2 problems, nothing was created:\n  - pyspark-k8s:image: /,
        );
    });

    it.each([
        [{ instances: 0 }, /executor.instances: must be at least 1/],
        [{ instances: 2.5 }, /executor.instances: must be a whole number/],
        [{ cores: 0 }, /executor.cores: must be at least 1/],
        [{ memory: "2 g" }, /executor.memory: must be a Spark memory size/],
        [
            { coreRequest: "lots" },
            /executor.coreRequest: must be a positive Kubernetes CPU quantity/,
        ],
        [{ memoryOverhead: "-1m" }, /executor.memoryOverhead: must be a Spark memory size/],
    ])("rejects executor %j", (executor, pattern) => {
        expect(
            problemsOf({ ...minimal(), jobs: { pi: { app: "a.py", executor } } }).join("\n"),
        ).toMatch(pattern);
    });

    it.each([
        [
            "an image not pinned by digest",
            { mode: "existing", ref: "registry.example.com/jobs:latest" },
            /image.ref: must be pinned by digest/,
        ],
        [
            "an unknown mode",
            { mode: "kaniko" },
            /image.mode: must have mode 'docker'.*'cli'.*'existing'/,
        ],
        [
            "a missing repository",
            { mode: "cli", registry: "127.0.0.1:5000" },
            /image.repository: is required/,
        ],
        [
            "a bad registry host",
            { mode: "cli", registry: "https://x", repository: "a" },
            /image.registry: must be a registry host/,
        ],
        [
            "an upper-case repository",
            { mode: "docker", registry: "registry.example.com", repository: "Org/Jobs" },
            /image.repository: must be lower-case/,
        ],
    ])("rejects %s", (_what, image, pattern) => {
        expect(problemsOf({ ...minimal(), image }).join("\n")).toMatch(pattern);
    });

    it("rejects a master URL without port and accepts one with", () => {
        expect(
            problemsOf({ ...minimal(), cluster: { master: "k8s://https://api.example.com" } }).join(
                "\n",
            ),
        ).toMatch(/cluster.master/);
        expect(
            validateStackConfig({
                ...minimal(),
                cluster: { master: "k8s://https://api.example.com:6443" },
            }).cluster.master,
        ).toBe("k8s://https://api.example.com:6443");
    });

    it("rejects an unknown binding mode, listing the allowed ones", () => {
        expect(problemsOf({ ...minimal(), rbac: { binding: "global" } }).join("\n")).toMatch(
            /rbac.binding: must be 'namespace' .* or 'cluster'/,
        );
    });

    it("rejects job names that cannot prefix pod names", () => {
        expect(
            problemsOf({ ...minimal(), jobs: { ["a".repeat(31)]: { app: "a.py" } } }).join("\n"),
        ).toMatch(/at most 30 characters/);
    });

    it("rejects invalid labels, env names and result patterns", () => {
        const problems = problemsOf({
            ...minimal(),
            jobs: {
                pi: {
                    app: "a.py",
                    labels: { team: "-bad-" },
                    env: { "1X": "v" },
                    resultPattern: "(",
                },
            },
        }).join("\n");
        expect(problems).toMatch(/jobs.pi.labels.team: label values/);
        expect(problems).toMatch(
            /jobs.pi.env.1X: .*environment variable names|jobs.pi.env: .*environment variable names/,
        );
        expect(problems).toMatch(
            /jobs.pi.resultPattern: must be a valid JavaScript regular expression/,
        );
    });

    it("checks dynamic allocation bounds", () => {
        const problems = problemsOf({
            ...minimal(),
            jobs: {
                pi: {
                    app: "a.py",
                    executor: { instances: 9 },
                    dynamicAllocation: { enabled: true, minExecutors: 5, maxExecutors: 3 },
                },
            },
        }).join("\n");
        expect(problems).toMatch(
            /dynamicAllocation.minExecutors: must not exceed maxExecutors \(3\)/,
        );
        expect(problems).toMatch(
            /executor.instances: .*between minExecutors \(5\) and maxExecutors \(3\)/,
        );
    });

    it("requires registry credentials in pairs and never echoes the password", () => {
        const problems = problemsOf({
            ...minimal(),
            image: { mode: "docker", registry: "registry.example.com", repository: "a" },
            registryPassword: "hunter2",
        });
        expect(problems.join("\n")).toMatch(
            /registryUsername: registryUsername and registryPassword go together/,
        );
        expect(problems.join("\n")).not.toContain("hunter2");
        const empty = problemsOf({ ...minimal(), registryUsername: "u", registryPassword: "" });
        expect(empty.join("\n")).toContain("[secret]");
    });

    it("refuses jobs whose pods cannot all be scheduled in the declared capacity", () => {
        const problems = problemsOf({
            ...minimal(),
            cluster: { capacity: { cpu: "4", memory: "1814Mi" } },
            jobs: { pi: { app: "a.py", executor: { instances: 5 } } },
        }).join("\n");
        expect(problems).toMatch(
            /jobs.pi: its 6 pods request 5376Mi of memory but cluster.capacity.memory is 1814Mi/,
        );
        expect(problems).toMatch(/jobs.pi: its 6 pods request 6 CPU but cluster.capacity.cpu is 4/);
    });
});

describe("jobFootprint", () => {
    it("adds Spark's default overhead (10%, at least 384 MiB) to each pod", () => {
        expect(memoryOverheadMiB("512m", undefined, 0.1)).toBe(384);
        expect(memoryOverheadMiB("8g", undefined, 0.1)).toBe(819);
        expect(memoryOverheadMiB("8g", "1g", 0.1)).toBe(1024);
        const job = validateStackConfig({
            ...minimal(),
            jobs: {
                pi: {
                    app: "a.py",
                    driver: { memoryOverhead: "128m" },
                    executor: { instances: 2, memoryOverhead: "64m", coreRequest: "500m" },
                },
            },
        }).jobs.pi;
        expect(jobFootprint(job)).toEqual({ pods: 3, memoryMiB: 640 + 2 * 576, cpu: 2 });
    });

    it("counts maxExecutors under dynamic allocation", () => {
        const job = validateStackConfig({
            ...minimal(),
            jobs: {
                pi: {
                    app: "a.py",
                    executor: { instances: 1 },
                    dynamicAllocation: { enabled: true, minExecutors: 1, maxExecutors: 3 },
                },
            },
        }).jobs.pi;
        expect(jobFootprint(job).pods).toBe(4);
    });
});

describe("allowed-key hints", () => {
    it("come from the schema at every level, map keys included", () => {
        const hints = problemsOf({
            ...minimal(),
            cluster: { colour: "blue" },
            jobs: {
                pi: {
                    app: "a.py",
                    driver: { cpus: 2 },
                    schedule: { cron: "@daily", zone: "UTC" },
                    colour: 1,
                },
            },
        });
        expect(hints).toEqual([
            "pyspark-k8s:cluster.colour: is not a known setting; allowed here: kubeconfig, context, master, apiRetrySeconds, capacity",
            "pyspark-k8s:jobs.pi.driver.cpus: is not a known setting; allowed here: cores, coreRequest, coreLimit, memory, memoryOverhead",
            "pyspark-k8s:jobs.pi.schedule.zone: is not a known setting; allowed here: cron, timeZone, concurrencyPolicy, successfulRunsHistoryLimit, failedRunsHistoryLimit, startingDeadlineSeconds, suspend",
            expect.stringMatching(
                /^pyspark-k8s:jobs\.pi\.colour: is not a known setting; allowed here: app, args, .*, submitter, retries, schedule$/,
            ),
        ]);
    });
});

describe("secrets", () => {
    const withSecrets = () => ({
        ...minimal(),
        jobs: { pi: { app: "jobs/pi.py" }, etl: { app: "jobs/etl.py" } },
        secretEnv: { etl: { AWS_SECRET_ACCESS_KEY: "s3cr3t-value" } },
    });

    it("accepts secretEnv set as a secret, per job", () => {
        const config = validateStackConfig(withSecrets(), "test", new Set(["secretEnv"]));
        expect(config.secretEnv).toEqual({ etl: { AWS_SECRET_ACCESS_KEY: "s3cr3t-value" } });
    });

    it("refuses secretEnv and registryPassword in plain text, saying how to set them as secrets, without echoing them", () => {
        let message = "";
        try {
            validateStackConfig(
                { ...withSecrets(), registryUsername: "ci", registryPassword: "hunter2" },
                "test",
                new Set(),
            );
        } catch (err) {
            message = (err as Error).message;
        }
        expect(message).toContain(
            "pyspark-k8s:registryPassword: is in plain text in the stack's settings file",
        );
        expect(message).toContain("pulumi config set --secret pyspark-k8s:registryPassword");
        expect(message).toContain("pyspark-k8s:secretEnv: is in plain text");
        expect(message).toContain(
            "pulumi config set --secret --path 'pyspark-k8s:secretEnv.<job>.<VAR>'",
        );
        expect(message).not.toContain("hunter2");
        expect(message).not.toContain("s3cr3t-value");
    });

    it("refuses secretEnv of a job that does not exist, naming the jobs there are", () => {
        const raw = { ...withSecrets(), secretEnv: { etls: { KEY: "x" } } };
        expect(() => validateStackConfig(raw, "test", new Set(["secretEnv"]))).toThrow(
            /pyspark-k8s:secretEnv\.etls: names no job; jobs here: pi, etl/,
        );
    });

    it("refuses a variable set both as a secret and in env or secretKeyRefs", () => {
        const raw = {
            ...withSecrets(),
            jobs: {
                pi: { app: "jobs/pi.py" },
                etl: {
                    app: "jobs/etl.py",
                    env: { AWS_SECRET_ACCESS_KEY: "plain", TOKEN: "a" },
                    secretKeyRefs: { TOKEN: { secret: "tokens", key: "token" } },
                },
            },
        };
        let problems: string[] = [];
        try {
            validateStackConfig(raw, "test", new Set(["secretEnv"]));
        } catch (err) {
            problems = (err as ConfigError).problems.map((p) => `${p.key}: ${p.message}`);
        }
        expect(problems).toEqual([
            "pyspark-k8s:secretEnv.etl.AWS_SECRET_ACCESS_KEY: is also set in jobs.etl.env; set each variable in one place",
            "pyspark-k8s:jobs.etl.secretKeyRefs.TOKEN: is also set in jobs.etl.env; set each variable in one place",
        ]);
    });
});

describe("volumes and placement", () => {
    const job = (settings: Record<string, unknown>) => ({
        ...minimal(),
        jobs: { pi: { app: "jobs/pi.py", ...settings } },
    });

    it("needs exactly one source per volume", () => {
        expect(
            problemsOf(
                job({
                    volumes: {
                        a: { mountPath: "/a" },
                        b: { mountPath: "/b", emptyDir: "", configMap: "c" },
                    },
                }),
            ),
        ).toEqual([
            'pyspark-k8s:jobs.pi.volumes.a: must name exactly one source of persistentVolumeClaim, emptyDir, configMap, secret (got none) <{"mountPath":"/a"}>',
            'pyspark-k8s:jobs.pi.volumes.b: must name exactly one source of persistentVolumeClaim, emptyDir, configMap, secret (got emptyDir and configMap) <{"mountPath":"/b","emptyDir":"","configMap":"c"}>',
        ]);
    });

    it("refuses relative mount paths and the paths the program mounts itself", () => {
        const problems = problemsOf(
            job({
                volumes: { a: { mountPath: "data", emptyDir: "" } },
                secretMounts: { keys: "/tmp/keys" },
            }),
        );
        expect(problems).toEqual([
            expect.stringMatching(
                /^pyspark-k8s:jobs\.pi\.secretMounts\.keys: must not be \/tmp or \/opt\/spark\/pod-templates or below/,
            ),
            expect.stringMatching(
                /^pyspark-k8s:jobs\.pi\.volumes\.a\.mountPath: must be an absolute path/,
            ),
        ]);
    });

    it("checks tolerations and the pod template settings the program owns", () => {
        const problems = problemsOf(
            job({
                tolerations: [{ key: "spark", effect: "Sometimes" }],
                conf: { "spark.kubernetes.executor.podTemplateFile": "/x.yaml" },
            }),
        );
        expect(problems).toEqual([
            expect.stringMatching(
                /^pyspark-k8s:jobs\.pi\.conf\.spark\.kubernetes\.executor\.podTemplateFile: is set by the program; use jobs\.<name>\.volumes, nodeSelector, tolerations, affinity/,
            ),
            expect.stringMatching(
                /^pyspark-k8s:jobs\.pi\.tolerations\.0\.effect: must be NoSchedule, PreferNoSchedule or NoExecute/,
            ),
        ]);
    });
});

describe("image.jars", () => {
    const image = (jars: unknown) => ({
        ...minimal(),
        image: { mode: "cli", registry: "127.0.0.1:5000", repository: "jobs", jars },
    });

    it("takes Maven coordinates with an exact version", () => {
        const config = validateStackConfig(image(["org.apache.hadoop:hadoop-aws:3.3.4"]));
        expect(config.image.mode !== "existing" && config.image.jars).toEqual([
            "org.apache.hadoop:hadoop-aws:3.3.4",
        ]);
    });

    it("refuses coordinates without a version, and versions that float", () => {
        expect(
            problemsOf(image(["org.apache.hadoop:hadoop-aws", "a:b:LATEST", "a:b:1.0-SNAPSHOT"])),
        ).toEqual([
            expect.stringMatching(
                /^pyspark-k8s:image\.jars\.0: must be Maven coordinates group:artifact:version/,
            ),
            expect.stringMatching(/^pyspark-k8s:image\.jars\.1: must pin an exact release version/),
            expect.stringMatching(/^pyspark-k8s:image\.jars\.2: must pin an exact release version/),
        ]);
    });
});

describe("memory overhead of Python applications", () => {
    it("is 40% of the heap (at least 384 MiB) for Python apps, 10% for JVM ones, as Spark sizes pods", () => {
        const footprint = (app: string) =>
            jobFootprint(
                validateStackConfig({
                    ...minimal(),
                    jobs: {
                        j: {
                            app,
                            driver: { memory: "2g" },
                            executor: { instances: 1, memory: "2g" },
                        },
                    },
                }).jobs.j,
            ).memoryMiB;
        expect(footprint("jobs/etl.py")).toBe(2 * (2048 + 819));
        expect(footprint("local:///opt/app/etl.jar")).toBe(2 * (2048 + 384));
    });

    it("makes the capacity check refuse a Python job that JVM sizing would have let through", () => {
        const raw = {
            ...minimal(),
            cluster: { capacity: { cpu: "8", memory: "5500Mi" } },
            jobs: {
                j: {
                    app: "jobs/etl.py",
                    driver: { memory: "2g" },
                    executor: { instances: 1, memory: "2g" },
                },
            },
        };
        expect(problemsOf(raw)).toEqual([
            expect.stringMatching(/^pyspark-k8s:jobs\.j: its 2 pods request 5734Mi of memory/),
        ]);
    });
});

describe("resultJob", () => {
    const twoJobs = (resultJob?: unknown) => ({
        ...minimal(),
        jobs: { pi: { app: "jobs/pi.py" }, nightly: { app: "jobs/pi.py", schedule: "@daily" } },
        ...(resultJob === undefined ? {} : { resultJob }),
    });

    it("defaults to the only job that runs during pulumi up", () => {
        expect(resultJobOf(validateStackConfig(twoJobs()))).toBe("pi");
    });

    it("is none when several jobs run and none is named", () => {
        const config = validateStackConfig({
            ...minimal(),
            jobs: { pi: { app: "jobs/pi.py" }, etl: { app: "jobs/etl.py" } },
        });
        expect(resultJobOf(config)).toBeUndefined();
        expect(resultJobOf({ ...config, resultJob: "etl" })).toBe("etl");
    });

    it("must name a job that runs during pulumi up", () => {
        expect(problemsOf(twoJobs("etl"))).toEqual([
            'pyspark-k8s:resultJob: names no job; jobs here: pi, nightly <"etl">',
        ]);
        expect(problemsOf(twoJobs("nightly"))).toEqual([
            'pyspark-k8s:resultJob: names a scheduled job, which does not run during pulumi up <"nightly">',
        ]);
    });
});
