/**
 * The stack configuration: its keys map to the components' arguments, the components'
 * own rules check them (package/test/validation.test.ts walks those), and every problem
 * of a stack, its cross-job checks included, is reported in one error before anything
 * is created.
 */
import { jobImageProblems } from "@pyspark-k8s/pulumi";
import { ConfigError } from "../lib/configProblems";
import { resultJobOf, validateStackConfig } from "../lib/stackValidation";

const DIGEST = `sha256:${"a".repeat(64)}`;
const minimal = () => ({
    image: { mode: "existing", ref: `registry.example.com/jobs@${DIGEST}` },
    jobs: { pi: { app: "jobs/pi.py" } } as Record<string, unknown>,
});

function problemsOf(raw: Record<string, unknown>, secretKeys?: Set<string>): string[] {
    try {
        validateStackConfig(raw, "test", secretKeys);
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
    it("gives JobImage arguments it accepts: an existing image without the build defaults", () => {
        const { image } = validateStackConfig(minimal());
        expect(image).not.toHaveProperty("tag");
        expect(jobImageProblems(image).problems).toEqual([]);
    });

    it("fills every default, through the components' own", () => {
        const config = validateStackConfig(minimal());
        expect(config.rbac).toEqual({
            namespace: "spark-jobs",
            createNamespace: true,
            serviceAccountName: "spark-driver",
            binding: "namespace",
            labels: {},
            serviceAccountAnnotations: {},
            serviceAccountLabels: {},
        });
        const [pi] = config.jobs;
        expect(pi.name).toBe("pi");
        expect(pi.settings.executor).toEqual({ cores: 1, memory: "512m", instances: 2 });
        expect(pi.settings.driver).toEqual({ cores: 1, memory: "512m" });
        expect(pi.settings.startTimeoutSeconds).toBe(180);
        expect(pi.settings.runTimeoutSeconds).toBe(1800);
        expect(pi.settings.runId).toBe("1");
        expect(pi.settings.submitter).toBe("cluster");
        expect(pi.secretEnv).toBeUndefined();
        expect(config.cluster.apiRetrySeconds).toBe(120);
        expect(config.image.runAsUser).toBe(185);
    });

    it("maps the shorthands of a stack file to the arguments: a cron string, a numeric runId", () => {
        const [pi] = validateStackConfig({
            ...minimal(),
            jobs: { pi: { app: "a.py", runId: 7, schedule: "0 3 * * *" } },
        }).jobs;
        expect(pi.settings.runId).toBe("7");
        expect(pi.settings.schedule).toMatchObject({
            cron: "0 3 * * *",
            concurrencyPolicy: "Forbid",
        });
    });

    it("maps each component's problems to the key they come from, with the value", () => {
        expect(
            problemsOf({
                namespace: "Spark_Jobs",
                rbac: { binding: "global" },
                image: { mode: "existing", ref: "registry.example.com/jobs:latest" },
                registryUsername: "ci",
                jobs: { pi: { app: "jobs/pi.py", executor: { instances: 0 } } },
            }),
        ).toEqual([
            expect.stringMatching(
                /^pyspark-k8s:namespace: namespace must be a DNS-1123 label.* <"Spark_Jobs">$/,
            ),
            expect.stringMatching(/^pyspark-k8s:rbac.binding: must be 'namespace'.*'cluster'/),
            expect.stringMatching(
                /^pyspark-k8s:image.ref: must be pinned by digest.* <"registry.example.com\/jobs:latest">$/,
            ),
            expect.stringMatching(
                /^pyspark-k8s:registryUsername: is only used when the image is built/,
            ),
            expect.stringMatching(
                /^pyspark-k8s:registryPassword: registryUsername and registryPassword go together/,
            ),
            "pyspark-k8s:jobs.pi.executor.instances: must be at least 1 <0>",
        ]);
    });

    it("reports every problem at once: each part's, the cross-job checks' and the secrets'", () => {
        const problems = problemsOf(
            {
                colour: "blue",
                cluster: {
                    master: "k8s://https://10.0.0.1",
                    capacity: { cpu: "1", memory: "1Gi" },
                },
                image: { mode: "docker", registry: "registry.example.com" },
                registryPassword: "hunter2",
                resultJob: "etl",
                secretEnv: { nojob: { KEY: "x" } },
                jobs: {
                    pi: {
                        app: "jobs/pi.py",
                        executor: { instances: 8 },
                        conf: { "spark.kubernetes.namespace": "other" },
                    },
                    "Bad.Name": { app: "x.py" },
                },
            },
            new Set(["secretEnv", "jobs"]),
        );
        const keys = problems.map((p) => p.split(": ")[0]);
        expect(keys).toEqual(
            expect.arrayContaining([
                "pyspark-k8s:jobs", // a secret where none may be
                "pyspark-k8s:registryPassword", // in plain text
                "pyspark-k8s:colour",
                "pyspark-k8s:cluster.master",
                "pyspark-k8s:image.repository",
                "pyspark-k8s:jobs.pi.conf.spark.kubernetes.namespace",
                "pyspark-k8s:secretEnv.nojob",
                "pyspark-k8s:resultJob",
            ]),
        );
        // The capacity check runs although other parts failed.
        expect(problems.join("\n")).toMatch(
            /pyspark-k8s:jobs\.pi: its 9 pods request .*cluster\.capacity\.memory is 1Gi/,
        );
        expect(problems.join("\n")).toMatch(
            /pyspark-k8s:jobs: bad name: job name must be a DNS-1123 label.* <"Bad.Name">/,
        );
        expect(problems.join("\n")).not.toContain("hunter2");
    });

    it("says nothing was created, in one message naming the stack", () => {
        expect(() => validateStackConfig({ jobs: {} }, "prod")).toThrow(
            /^invalid configuration of stack 'prod': 2 problems, nothing was created:\n  - pyspark-k8s:image: /,
        );
    });

    it("names the allowed keys of the level an unknown key is at", () => {
        expect(
            problemsOf({
                ...minimal(),
                cluster: { colour: "blue" },
                rbac: { role: "admin" },
                jobs: {
                    pi: {
                        app: "a.py",
                        driver: { cpus: 2 },
                        schedule: { cron: "@daily", zone: "UTC" },
                        colour: 1,
                    },
                },
            }),
        ).toEqual([
            "pyspark-k8s:cluster.colour: is not a known setting; allowed here: kubeconfig, context, master, apiRetrySeconds, capacity",
            "pyspark-k8s:rbac.role: is not a known setting; allowed here: serviceAccountName, binding, serviceAccountAnnotations, serviceAccountLabels",
            "pyspark-k8s:jobs.pi.driver.cpus: is not a known setting; allowed here: cores, coreRequest, coreLimit, memory, memoryOverhead",
            "pyspark-k8s:jobs.pi.schedule.zone: is not a known setting; allowed here: cron, timeZone, concurrencyPolicy, successfulRunsHistoryLimit, failedRunsHistoryLimit, startingDeadlineSeconds, suspend",
            expect.stringMatching(
                /^pyspark-k8s:jobs\.pi\.colour: is not a known setting; allowed here: app, args, .*, retries, schedule$/,
            ),
        ]);
    });

    it("requires the image's Spark version for a local submitter, which checks spark-submit against it", () => {
        expect(
            problemsOf({ ...minimal(), jobs: { pi: { app: "a.py", submitter: "local" } } }),
        ).toEqual([
            expect.stringMatching(
                /^pyspark-k8s:image\.sparkVersion: is required by job 'pi' \(submitter 'local'\)/,
            ),
        ]);
    });
});

describe("names that every JavaScript object has", () => {
    const names = ["constructor", "toString", "valueOf", "hasOwnProperty", "isPrototypeOf"].map(
        (n) => n.toLowerCase(),
    );

    it.each(names)("a job named %s is a job like any other, and can be the result", (name) => {
        const config = validateStackConfig({
            ...minimal(),
            jobs: { [name]: { app: "a.py" } },
            resultJob: name,
        });
        expect(config.jobs.map((j) => j.name)).toEqual([name]);
        expect(resultJobOf(config)).toBe(name);
    });

    it.each(["constructor", "toString", "__proto__", "hasOwnProperty"])(
        "resultJob %s names no job here",
        (name) => {
            expect(problemsOf({ ...minimal(), resultJob: name })).toEqual([
                `pyspark-k8s:resultJob: names no job; jobs here: pi <${JSON.stringify(name)}>`,
            ]);
        },
    );

    it.each(["constructor", "toString", "valueOf"])(
        "secretEnv.%s names no job, without a crash",
        (name) => {
            expect(
                problemsOf(
                    { ...minimal(), secretEnv: JSON.parse(`{"${name}": {"KEY": "x"}}`) },
                    new Set(["secretEnv"]),
                ),
            ).toEqual([`pyspark-k8s:secretEnv.${name}: names no job; jobs here: pi`]);
        },
    );

    it("a secret variable named like one is the job's own", () => {
        const [pi] = validateStackConfig(
            {
                ...minimal(),
                secretEnv: JSON.parse('{"pi": {"constructor": "x", "toString": "y"}}'),
            },
            "test",
            new Set(["secretEnv"]),
        ).jobs;
        expect(Object.keys(pi.secretEnv ?? {}).sort()).toEqual(["constructor", "toString"]);
    });

    it("a job without secrets gets none, whatever its name", () => {
        const config = validateStackConfig({
            ...minimal(),
            jobs: { constructor: { app: "a.py" } },
        });
        expect(config.jobs[0].secretEnv).toBeUndefined();
    });
});

describe("secrets", () => {
    const withSecrets = () => ({
        ...minimal(),
        jobs: { pi: { app: "jobs/pi.py" }, etl: { app: "jobs/etl.py" } },
        secretEnv: { etl: { AWS_SECRET_ACCESS_KEY: "s3cr3t-value" } },
    });

    it("gives a job the secretEnv set for it as a secret", () => {
        const config = validateStackConfig(withSecrets(), "test", new Set(["secretEnv"]));
        expect(config.jobs.find((j) => j.name === "etl")?.secretEnv).toEqual({
            AWS_SECRET_ACCESS_KEY: "s3cr3t-value",
        });
        expect(config.jobs.find((j) => j.name === "pi")?.secretEnv).toBeUndefined();
    });

    it("refuses secretEnv and registryPassword in plain text, saying how to set them as secrets, without echoing them", () => {
        const message = problemsOf(
            {
                ...withSecrets(),
                image: { mode: "cli", registry: "r.example.com", repository: "j" },
                registryUsername: "ci",
                registryPassword: "hunter2",
            },
            new Set(),
        ).join("\n");
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
        expect(problemsOf(raw, new Set(["secretEnv"]))).toEqual([
            "pyspark-k8s:jobs.etl.secretKeyRefs.TOKEN: is also set in env: a variable has one source",
            "pyspark-k8s:secretEnv.etl.AWS_SECRET_ACCESS_KEY: is also set in env: a variable has one source",
        ]);
    });
});

describe("capacity", () => {
    it("refuses a job whose pods cannot all be scheduled at once, counting the Python workers' memory", () => {
        const capacity = { cpu: "4", memory: "4Gi" };
        const job = (conf: Record<string, string>) => ({
            app: "jobs/pi.py",
            executor: { instances: 2 },
            conf,
        });
        expect(() =>
            validateStackConfig({ ...minimal(), cluster: { capacity }, jobs: { pi: job({}) } }),
        ).not.toThrow();
        expect(
            problemsOf({
                ...minimal(),
                cluster: { capacity },
                jobs: { pi: job({ "spark.executor.pyspark.memory": "1g" }) },
            }),
        ).toEqual([
            expect.stringMatching(
                /^pyspark-k8s:jobs\.pi: its 3 pods request 4736Mi of memory but cluster\.capacity\.memory is 4Gi/,
            ),
        ]);
    });
});

describe("resultJob", () => {
    const two = () => ({ ...minimal(), jobs: { pi: { app: "a.py" }, etl: { app: "b.py" } } });

    it("defaults to the only job that runs during pulumi up", () => {
        expect(
            resultJobOf(
                validateStackConfig({
                    ...two(),
                    jobs: { pi: { app: "a.py" }, etl: { app: "b.py", schedule: "@daily" } },
                }),
            ),
        ).toBe("pi");
    });

    it("is none when several jobs run and none is named", () => {
        expect(resultJobOf(validateStackConfig(two()))).toBeUndefined();
    });

    it("must name a job that runs during pulumi up", () => {
        expect(
            problemsOf({
                ...two(),
                jobs: { pi: { app: "a.py", schedule: "@daily" } },
                resultJob: "pi",
            }),
        ).toEqual([
            'pyspark-k8s:resultJob: names a scheduled job, which does not run during pulumi up <"pi">',
        ]);
    });
});
