/**
 * What Kubernetes, Spark or the CronJob controller would refuse is refused by the
 * components' validation first: one class of problem per test, each class walked through
 * its cases.
 */
import { sparkJobProblems } from "../src/lib/componentArgs";
import { cronProblem, isKnownTimeZone } from "../src/lib/cron";
import { programConfKeys } from "../src/lib/jobChecks";
import { jobSettingsSchema } from "../src/lib/jobSettings";
import { isDns1123Label, labelFrom } from "../src/lib/k8sNames";
import { jobVolumes } from "../src/lib/podTemplate";
import { pathText } from "../src/lib/problems";
import { IMAGE, piSpec } from "./fixtures/specs";

const place = { namespace: "spark", serviceAccountName: "spark-driver", image: IMAGE };

/** The problems of job `pi` with these settings, as `path: message`. */
function problems(settings: Record<string, unknown>, name = "pi"): string[] {
    return sparkJobProblems(name, { app: "jobs/pi.py", ...place, ...settings }).problems.map(
        (p) => `${pathText(p.path)}: ${p.message}`,
    );
}

describe("cron expressions, as the CronJob controller parses them", () => {
    it.each([
        "0 3 * * *",
        "*/5 * * * *",
        "0,30 8-18/2 1-15 jan-jun MON-FRI",
        "59 23 31 12 7",
        "0 0 ? * SUN",
        "@daily",
        "@hourly",
        "  15 4 * * 1  ",
    ])("accepts %s", (cron) => expect(cronProblem(cron)).toBeUndefined());

    it.each([
        ["60 * * * *", /minute '60': 60 is out of range \(allowed: 0-59\)/],
        ["0 24 * * *", /hour '24': 24 is out of range/],
        ["0 0 0 * *", /day of month '0': 0 is out of range \(allowed: 1-31\)/],
        ["0 0 * 13 *", /month '13': 13 is out of range \(allowed: 1-12 or JAN-DEC\)/],
        ["0 0 * * 8", /day of week '8': 8 is out of range/],
        ["0 0 * * funday", /day of week 'funday': 'funday' is not a value or range/],
        ["*/0 * * * *", /the step '0' must be a whole number above 0/],
        ["5-1 * * * *", /the range '5-1' runs backwards/],
        ["a b c d e", /minute 'a': 'a' is not a value or range/],
        ["every day at noon", /has 4 fields, needs five/],
        ["0 3 * * * *", /has 6 fields, needs five/],
        ["@fortnightly", /is not a macro the CronJob controller knows/],
        ["TZ=Europe/Paris 0 3 * * *", /use the schedule's timeZone instead/],
    ])("refuses %s", (cron, message) => expect(cronProblem(cron)).toMatch(message));

    it("reaches the job's problems under schedule.cron, with the value", () => {
        expect(problems({ schedule: "61 * * * *" })).toEqual([
            "schedule.cron: is not a valid schedule: minute '61': 61 is out of range (allowed: 0-59)",
        ]);
    });
});

describe("time zones that exist, spelled as the controller reads them", () => {
    it.each(["UTC", "Europe/Paris", "America/Argentina/Buenos_Aires", "Etc/GMT+5", "US/Pacific"])(
        "accepts %s",
        (zone) => expect(isKnownTimeZone(zone)).toBe(true),
    );
    it.each(["Mars/Olympus_Mons", "europe/paris", "Local", "+01:00", "Europe/", ""])(
        "refuses %s",
        (zone) => expect(isKnownTimeZone(zone)).toBe(false),
    );
    it("reaches the job's problems under schedule.timeZone", () => {
        expect(problems({ schedule: { cron: "0 3 * * *", timeZone: "Europe/Atlantis" } })).toEqual([
            "schedule.timeZone: must be an IANA time zone that exists, e.g. Europe/Paris or UTC",
        ]);
    });
});

describe("names the program builds from the job's, checked with its prefixes and suffixes", () => {
    it("a volume's name is a DNS-1123 label once prefixed with vol-: at most 59 characters", () => {
        expect(
            problems({ volumes: { ["v".repeat(59)]: { mountPath: "/a", emptyDir: "" } } }),
        ).toEqual([]);
        expect(
            problems({ volumes: { ["v".repeat(60)]: { mountPath: "/a", emptyDir: "" } } }),
        ).toEqual([
            `volumes.${"v".repeat(60)}: bad name: volume name must be at most 59 characters`,
        ]);
    });

    it.each(["tls.certs", "a.b.c", `${"x".repeat(60)}.example.com`, "x".repeat(253)])(
        "a mounted Secret named %s gets a valid volume name of its own",
        (secret) => {
            const { volumes } = jobVolumes(piSpec({ secretMounts: { [secret]: "/s" } }));
            const name = volumes[volumes.length - 1].name;
            expect(isDns1123Label(name)).toBe(true);
        },
    );

    it("distinct Secret names give distinct volume names", () => {
        const names = new Set(
            ["a.b", "a-b", "a..b", `${"y".repeat(70)}1`, `${"y".repeat(70)}2`].map((s) =>
                labelFrom("secret-", s),
            ),
        );
        expect(names.size).toBe(5);
    });

    it("a job's name prefixes its pods' names: a DNS-1123 label of at most 30 characters", () => {
        expect(problems({}, "j".repeat(30))).toEqual([]);
        expect(problems({}, "j".repeat(31))).toEqual([
            "name: job name must be at most 30 characters",
        ]);
        expect(problems({}, "Pi")).toEqual([
            "name: job name must be a DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit",
        ]);
    });
});

describe("mount paths, compared as the container sees them", () => {
    it.each([
        ["/data", "/data/"],
        ["/data", "//data"],
        ["/data", "/data/."],
        ["/data/x", "/data/y/../x"],
    ])("%s and %s are one path: refused for a second volume", (a, b) => {
        const found = problems({
            volumes: { one: { mountPath: a, emptyDir: "" }, two: { mountPath: b, emptyDir: "" } },
        });
        expect(found.join("\n")).toMatch(
            /each path takes one volume|must not contain '\.\.' steps/,
        );
    });

    it("a volume and a mounted Secret on one path are refused too", () => {
        expect(
            problems({
                volumes: { one: { mountPath: "/certs", emptyDir: "" } },
                secretMounts: { tls: "/certs/" },
            }),
        ).toEqual([
            "secretMounts.tls: is /certs, already the mount path of volumes.one.mountPath: each path takes one volume",
        ]);
    });

    it.each([
        "/tmp",
        "/tmp/",
        "//tmp",
        "/tmp/spark",
        "/opt/spark/pod-templates/",
        "/opt/spark/conf",
        "/opt/spark/pod-template/x",
    ])("%s is where the program or Spark mounts: refused", (mountPath) => {
        expect(problems({ volumes: { v: { mountPath, emptyDir: "" } } }).join("\n")).toMatch(
            /where the program or Spark mounts/,
        );
    });

    it.each([
        ["data", /must be an absolute path/],
        ["/a/../b", /must not contain '\.\.' steps/],
        ["/a:b", /must not contain ':'/],
    ])("%s is refused as Kubernetes would", (mountPath, message) => {
        expect(problems({ volumes: { v: { mountPath, emptyDir: "" } } }).join("\n")).toMatch(
            message,
        );
    });
});

describe("Spark settings the program makes itself", () => {
    /** Every key the program sets for a job with these settings. */
    const keys = (settings: Record<string, unknown>) => [
        ...programConfKeys(jobSettingsSchema.parse({ app: "jobs/pi.py", ...settings })),
    ];

    it.each([
        ["static executors", {}],
        [
            "dynamic allocation",
            { dynamicAllocation: { enabled: true, minExecutors: 1, maxExecutors: 4 } },
        ],
        ["labels and env", { labels: { team: "data" }, env: { MODE: "x" } }],
        [
            "explicit CPU requests",
            { driver: { coreRequest: "250m" }, executor: { coreRequest: "500m" } },
        ],
    ])("with %s: every key the program sets is refused in conf", (_what, settings) => {
        const set = keys(settings);
        expect(set.length).toBeGreaterThan(15);
        for (const key of set) {
            const found = problems({ ...settings, conf: { [key]: "x" } });
            expect(found).toEqual([
                expect.stringMatching(
                    new RegExp(
                        `^conf\\.${key.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: is set by the program`,
                    ),
                ),
            ]);
        }
    });

    it("the memory overhead is among them, so a job cannot slip past the capacity check with it", () => {
        expect(keys({})).toEqual(
            expect.arrayContaining([
                "spark.driver.memoryOverhead",
                "spark.executor.memoryOverhead",
            ]),
        );
    });

    it("a setting the program leaves alone is the job's to make", () => {
        expect(
            problems({
                conf: {
                    "spark.sql.shuffle.partitions": "8",
                    "spark.hadoop.fs.s3a.path.style.access": "true",
                },
            }),
        ).toEqual([]);
    });
});

describe("variables and labels the program sets", () => {
    it("a variable has one source: env, secretKeyRefs or secretEnv", () => {
        expect(
            problems({
                env: { TOKEN: "a" },
                secretKeyRefs: { TOKEN: { secret: "s", key: "k" } },
                secretEnv: { TOKEN: "b" },
            }),
        ).toEqual([
            "secretKeyRefs.TOKEN: is also set in env: a variable has one source",
            "secretEnv.TOKEN: is also set in env: a variable has one source",
        ]);
    });

    it.each(["PSK_POD_NAME", "PSK_POD_IP"])("%s is the program's", (name) => {
        expect(problems({ env: { [name]: "x" } })).toEqual([
            `env.${name}: is set by the program in the driver pod (reserved: PSK_POD_NAME, PSK_POD_IP, PSK_EVENT_LOG_ACCESS_KEY_ID, PSK_EVENT_LOG_SECRET_ACCESS_KEY)`,
        ]);
    });

    it.each([
        "spark-role",
        "pyspark-k8s/run",
        "pyspark-k8s/job",
        "app.kubernetes.io/managed-by",
        "spark-app-selector",
    ])("the pod label %s is the program's or Spark's", (label) => {
        expect(problems({ labels: { [label]: "x" } }).join("\n")).toMatch(
            /is set by the program or Spark on every pod/,
        );
    });
});

describe("pod settings Kubernetes would refuse", () => {
    it.each([
        [
            { driver: { coreRequest: "2", coreLimit: "1" } },
            /driver.coreRequest: the CPU request \(2\) must not exceed the CPU limit \(1\)/,
        ],
        [
            { executor: { cores: 2, coreLimit: "1" } },
            /executor.coreLimit: the CPU request \(2\) must not exceed the CPU limit \(1\)/,
        ],
        [
            { tolerations: [{ key: "k", operator: "Exists", value: "v" }] },
            /tolerations\[0\]\.value: must be empty when operator is Exists/,
        ],
        [
            { tolerations: [{ operator: "Equal", value: "v" }] },
            /tolerations\[0\]\.operator: must be Exists when no key is given/,
        ],
        [
            { tolerations: [{ key: "k", tolerationSeconds: 5 }] },
            /tolerations\[0\]\.tolerationSeconds: applies only to effect NoExecute/,
        ],
        [
            {
                affinity: {
                    nodeAffinity: {
                        requiredDuringSchedulingIgnoredDuringExecution: {
                            nodeSelectorTerms: [
                                { matchExpressions: [{ key: "k", operator: "In" }] },
                            ],
                        },
                    },
                },
            },
            /matchExpressions\[0\]\.values: must not be empty with operator In/,
        ],
        [
            {
                affinity: {
                    nodeAffinity: {
                        requiredDuringSchedulingIgnoredDuringExecution: {
                            nodeSelectorTerms: [
                                { matchExpressions: [{ key: "k", operator: "Gt", values: ["x"] }] },
                            ],
                        },
                    },
                },
            },
            /values: must be exactly one whole number with operator Gt/,
        ],
        [{ volumes: { v: { mountPath: "/v" } } }, /volumes\.v: must name exactly one source/],
        [
            { secretKeyRefs: { K: { secret: "Bad_Name", key: "k" } } },
            /secretKeyRefs\.K\.secret: secret names are at most 253/,
        ],
    ])("%j", (settings, message) => {
        expect(problems(settings).join("\n")).toMatch(message);
    });
});

describe("every problem at once", () => {
    it("schema, cross-setting and placement problems together", () => {
        const found = sparkJobProblems("pi", {
            app: "jobs/pi.py",
            namespace: "Spark_Jobs",
            serviceAccountName: "spark-driver",
            image: "no-digest",
            executor: { instances: 0 },
            colour: "blue",
        }).problems.map((p) => pathText(p.path));
        expect(found).toEqual(["executor.instances", "namespace", "image", "colour"]);
    });
});
