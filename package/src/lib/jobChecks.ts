/**
 * Checks of a job's settings against each other and against what the program itself
 * puts into the run's pods: Spark settings it makes, paths it mounts, variables and
 * labels it sets. What Kubernetes or Spark would refuse, or silently let the program's
 * choice override, is reported here, before anything is created. Pure.
 */
import { POD_ENV, inClusterConf } from "./jobPod";
import { JobSettings, normalMountPath } from "./jobSettings";
import { EVENT_LOG_ENV } from "./observability";
import { RESERVED_MOUNT_PATHS } from "./podTemplate";
import { Problem } from "./problems";
import { RunSpec, runSpec } from "./runSpec";
import { localSubmitConf, runLabels } from "./submit";

/** Where the program's own choices come from, for "use ... instead" hints. */
const CONF_SOURCES: readonly [RegExp, string][] = [
    [/^spark\.master$|^spark\.kubernetes\.context$/, "the cluster access (master, context)"],
    [/^spark\.kubernetes\.namespace$/, "namespace"],
    [/container\.image/, "image"],
    [/serviceAccountName$/, "serviceAccountName"],
    [/^spark\.(driver|executor)\.(cores|memory|memoryOverhead)$/, "driver / executor"],
    [/^spark\.kubernetes\.(driver|executor)\.(request|limit)\.cores$/, "coreRequest / coreLimit"],
    [/^spark\.(executor\.instances|dynamicAllocation\.)/, "executor.instances / dynamicAllocation"],
    [/\.label\./, "labels"],
    [/^spark\.(kubernetes\.driverEnv|executorEnv)\./, "env"],
    [/podTemplate/, "volumes, secretMounts, nodeSelector, tolerations, affinity"],
];

/** A placement for checks: what a run's spec holds besides the job's settings. */
function sampleSpec(settings: JobSettings): RunSpec {
    return runSpec(settings, {
        project: "p",
        stack: "s",
        job: "j",
        namespace: "ns",
        serviceAccountName: "sa",
        image: "image",
        runAsUser: 185,
        cluster: { context: "c" },
    });
}

/** Every Spark setting the program makes for a run of this job, by either submitter. */
export function programConfKeys(settings: JobSettings): Set<string> {
    const spec = sampleSpec(settings);
    const local = localSubmitConf(spec, {
        master: "k8s://x:1",
        runName: "j-x",
        podTemplateDir: "/d",
    });
    return new Set([...local, ...inClusterConf(spec, "j-x")].map(([key]) => key));
}

/** A job's `conf` may not set what the program sets: the job's value would win, unchecked. */
export function confProblems(settings: JobSettings): Problem[] {
    const taken = programConfKeys(settings);
    taken.add("spark.master").add("spark.submit.deployMode");
    return Object.keys(settings.conf)
        .filter((key) => taken.has(key))
        .map((key) => {
            const source = CONF_SOURCES.find(([pattern]) => pattern.test(key))?.[1];
            return {
                path: ["conf", key],
                message: `is set by the program${source ? `; use ${source} instead` : ""}`,
            };
        });
}

/** Mount paths: one volume per path once paths are normalised, none on the program's. */
export function mountProblems(settings: JobSettings): Problem[] {
    const problems: Problem[] = [];
    const seen = new Map<string, string>();
    const mounts: [readonly (string | number)[], string][] = [
        ...Object.entries(settings.volumes).map(([name, v]): [readonly string[], string] => [
            ["volumes", name, "mountPath"],
            v.mountPath,
        ]),
        ...Object.entries(settings.secretMounts).map(([secret, p]): [readonly string[], string] => [
            ["secretMounts", secret],
            p,
        ]),
    ];
    for (const [path, mountPath] of mounts) {
        const normal = normalMountPath(mountPath);
        const reserved = RESERVED_MOUNT_PATHS.find(
            (r) => normal === r || normal.startsWith(`${r}/`),
        );
        if (reserved) {
            problems.push({
                path,
                value: mountPath,
                message: `is ${normal === reserved ? "" : "below "}${reserved}, where the program or Spark mounts (reserved: ${RESERVED_MOUNT_PATHS.join(", ")})`,
            });
            continue;
        }
        const other = seen.get(normal);
        if (other !== undefined)
            problems.push({
                path,
                value: mountPath,
                message: `is ${normal}, already the mount path of ${other}: each path takes one volume`,
            });
        else seen.set(normal, path.join("."));
    }
    return problems;
}

/** Environment variables: each name set once, none of those the program sets. */
export function envProblems(settings: JobSettings, secretEnvNames: readonly string[]): Problem[] {
    const problems: Problem[] = [];
    const reserved = new Set<string>([
        ...POD_ENV.map((e) => e.name),
        ...Object.values(EVENT_LOG_ENV),
    ]);
    const sources: [string, readonly string[]][] = [
        ["env", Object.keys(settings.env)],
        ["secretKeyRefs", Object.keys(settings.secretKeyRefs)],
        ["secretEnv", secretEnvNames],
    ];
    const seen = new Map<string, string>();
    for (const [source, names] of sources) {
        for (const name of names) {
            if (reserved.has(name)) {
                problems.push({
                    path: [source, name],
                    message: `is set by the program in the driver pod (reserved: ${[...reserved].join(", ")})`,
                });
                continue;
            }
            const first = seen.get(name);
            if (first !== undefined)
                problems.push({
                    path: [source, name],
                    message: `is also set in ${first}: a variable has one source`,
                });
            else seen.set(name, source);
        }
    }
    return problems;
}

/** Labels Spark itself puts on its pods; a job's label of the same key would be replaced. */
const SPARK_LABELS = [
    "spark-role",
    "spark-app-selector",
    "spark-app-name",
    "spark-exec-id",
    "spark-exec-resourceprofile-id",
    "spark-version",
];

/** A job's pod labels may not use the keys the program or Spark set. */
export function labelProblems(settings: JobSettings): Problem[] {
    const programs = Object.keys(runLabels({ ...sampleSpec(settings), labels: {} }, "j-x"));
    const reserved = new Set([...programs, ...SPARK_LABELS]);
    return Object.keys(settings.labels)
        .filter((key) => reserved.has(key))
        .map((key) => ({
            path: ["labels", key],
            message: `is set by the program or Spark on every pod of the run (reserved: ${[...reserved].join(", ")})`,
        }));
}

/** Every cross-setting problem of a job whose settings passed the schema. */
export function jobSettingsCrossProblems(
    settings: JobSettings,
    secretEnvNames: readonly string[],
): Problem[] {
    return [
        ...confProblems(settings),
        ...mountProblems(settings),
        ...envProblems(settings, secretEnvNames),
        ...labelProblems(settings),
    ];
}
