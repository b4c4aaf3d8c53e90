/**
 * The job runner: submits one run of a job with spark-submit in cluster mode, watches
 * the driver pod itself, and gives real pass/fail.
 *
 * spark-submit is told not to wait for the application (`waitAppCompletion=false`):
 * its own wait can exit 0 for a failed driver (SPARK-26365) and never ends for a driver
 * that cannot be scheduled. The runner reads the driver container's terminated state
 * instead, bounds the time to start and the time to finish, and on failure removes
 * what the run created (a failed create leaves nothing in Pulumi's state to delete later).
 */
import { DRIVER_CONTAINER, PodView, containerStarted, judgeDriver } from "../lib/driverState";
import {
    LOG_LINES_FOR_RESULT,
    LOG_LINES_ON_FAILURE,
    extractResult,
    logTail,
    pythonError,
} from "../lib/driverLog";
import { JobRunSpec, LABELS, jobSelector } from "../lib/jobSpec";
import { RunIdentity, driverPodName, localPodTemplateFiles, sparkSubmitArgs } from "../lib/submit";
import type { KubeClient } from "./kube";

/** The cluster calls the runner makes (a KubeClient, or a stand-in in tests). */
export type KubeApi = Pick<KubeClient, "get" | "list" | "podLog" | "delete">;

/** How spark-submit ended. */
export interface SubmitExit {
    readonly code: number | null;
    /** The tail of its combined output. */
    readonly output: string;
}

/** A running spark-submit. */
export interface SubmitProcess {
    readonly exited: Promise<SubmitExit>;
    kill(): void;
}

/** What the runner needs from the outside world. */
export interface RunnerDeps {
    readonly kube: KubeApi;
    /** Starts spark-submit with these arguments. */
    startSubmit(args: readonly string[]): SubmitProcess;
    /** Writes the run's pod template files (name to content) and returns their directory. */
    writePodTemplates(files: Record<string, string>): string;
    now(): number;
    sleep(ms: number): Promise<void>;
    /** Progress, for humans (stderr). */
    log(message: string): void;
    /** A fresh, unique run tag: lower-case letters and digits, at most 10 characters. */
    newRunTag(): string;
    /** Poll interval; default 2 s. */
    readonly pollMs?: number;
    /** How long to wait for deleted pods to go; default 120 s. */
    readonly cleanupTimeoutMs?: number;
}

/** The outcome of a successful run: the SparkJob's outputs. */
export interface RunOutcome {
    readonly driverPod: string;
    readonly namespace: string;
    readonly runTag: string;
    readonly exitCode: number;
    readonly durationSeconds: number;
    readonly result: string;
    /** Executor pods of this run that got a container started. */
    readonly executorsStarted: number;
}

/** A run that did not succeed; the message is what `pulumi up` shows. */
export class RunFailure extends Error {
    constructor(message: string) {
        super(message);
        this.name = "RunFailure";
    }
}

function selectorString(labels: Record<string, string>): string {
    return Object.entries(labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(",");
}

/** Runs one job to completion. Resolves with its outcome or rejects with a RunFailure. */
export async function runJob(
    spec: JobRunSpec,
    master: string,
    deps: RunnerDeps,
): Promise<RunOutcome> {
    const pollMs = deps.pollMs ?? 2000;
    const runTag = deps.newRunTag();
    const run: RunIdentity = {
        master,
        runTag,
        resourcePrefix: `${spec.job}-${runTag}`,
        podTemplateDir: deps.writePodTemplates(localPodTemplateFiles(spec)),
    };
    const driver = driverPodName(run.resourcePrefix);
    const ns = spec.namespace;
    const runSelector = selectorString({ ...jobSelector(spec), [LABELS.run]: runTag });
    const started = deps.now();
    const elapsed = () => (deps.now() - started) / 1000;

    deps.log(`submitting ${spec.job} as driver pod ${ns}/${driver} (image ${spec.image})`);
    const submit = deps.startSubmit(sparkSubmitArgs(spec, run));
    let submitExit: SubmitExit | undefined;
    void submit.exited.then((exit) => (submitExit = exit));

    const fail = async (message: string, driverPod?: PodView): Promise<never> => {
        submit.kill();
        await removeRun(deps, ns, runSelector, driverPod?.metadata?.uid);
        throw new RunFailure(message);
    };

    const executorsStarted = new Set<string>();
    let runningSince: number | undefined;
    let lastReason = "";
    let pod: PodView | undefined;
    for (;;) {
        pod = await deps.kube.get<PodView>(ns, "pods", driver);
        const verdict = judgeDriver(
            pod,
            elapsed(),
            runningSince === undefined ? spec.startTimeoutSeconds : Number.POSITIVE_INFINITY,
        );
        if (verdict.kind === "succeeded" || verdict.kind === "failed") break;
        if (verdict.kind === "cannot-start") {
            return fail(
                `job ${spec.job}: driver pod ${ns}/${driver} could not start within ${spec.startTimeoutSeconds}s: ${verdict.reason}${verdict.message ? `: ${verdict.message}` : ""}`,
                pod,
            );
        }
        if (verdict.kind === "absent") {
            if (runningSince !== undefined)
                return fail(
                    `job ${spec.job}: driver pod ${ns}/${driver} disappeared while running (deleted from outside?)`,
                );
            if (submitExit && submitExit.code !== 0) {
                return fail(
                    `job ${spec.job}: spark-submit exited with code ${submitExit.code} before the driver pod existed:\n${logTail(submitExit.output, LOG_LINES_ON_FAILURE)}`,
                );
            }
            if (elapsed() >= spec.startTimeoutSeconds) {
                const said = submitExit
                    ? `spark-submit exited ${submitExit.code}:\n${logTail(submitExit.output, LOG_LINES_ON_FAILURE)}`
                    : "spark-submit is still running";
                return fail(
                    `job ${spec.job}: driver pod ${ns}/${driver} did not appear within ${spec.startTimeoutSeconds}s (${said})`,
                );
            }
        }
        if (verdict.kind === "starting" && verdict.reason !== lastReason) {
            lastReason = verdict.reason;
            deps.log(`driver ${driver}: ${verdict.reason} (${Math.round(elapsed())}s)`);
        }
        if (verdict.kind === "running" && runningSince === undefined) {
            runningSince = deps.now();
            deps.log(`driver ${driver}: running (${Math.round(elapsed())}s)`);
        }
        if (runningSince !== undefined) {
            for (const executor of await deps.kube.list<PodView>(
                ns,
                "pods",
                `${runSelector},spark-role=executor`,
            )) {
                const name = executor.metadata?.name;
                if (name && !executorsStarted.has(name) && containerStarted(executor)) {
                    executorsStarted.add(name);
                    deps.log(`executor ${name}: started`);
                }
            }
        }
        if (elapsed() >= spec.runTimeoutSeconds) {
            return fail(
                `job ${spec.job}: run exceeded runTimeoutSeconds=${spec.runTimeoutSeconds}; the application was killed`,
                pod,
            );
        }
        await deps.sleep(pollMs);
    }

    const log = await deps.kube.podLog(ns, driver, DRIVER_CONTAINER, LOG_LINES_FOR_RESULT);
    const verdict = judgeDriver(pod, elapsed(), spec.startTimeoutSeconds);
    if (verdict.kind === "failed") {
        const pyError = pythonError(log);
        return fail(
            [
                `job ${spec.job}: driver pod ${ns}/${driver} failed with exit code ${verdict.exitCode} (${verdict.reason})${verdict.message ? `: ${verdict.message}` : ""}`,
                ...(pyError ? [`python error: ${pyError}`] : []),
                `spark-submit exit code: ${submitExit?.code ?? "still running"}`,
                `--- last ${LOG_LINES_ON_FAILURE} lines of the driver log ---`,
                logTail(log, LOG_LINES_ON_FAILURE),
            ].join("\n"),
            pod,
        );
    }
    let result = "";
    if (spec.resultPattern !== undefined) {
        const found = extractResult(log, spec.resultPattern);
        if (found === undefined) {
            return fail(
                `job ${spec.job}: the driver succeeded but no line of its log matches resultPattern /${spec.resultPattern}/\n--- last ${LOG_LINES_ON_FAILURE} lines of the driver log ---\n${logTail(log, LOG_LINES_ON_FAILURE)}`,
                pod,
            );
        }
        result = found;
    }
    submit.kill();
    const outcome: RunOutcome = {
        driverPod: driver,
        namespace: ns,
        runTag,
        exitCode: 0,
        durationSeconds: Math.round(elapsed() * 10) / 10,
        result,
        executorsStarted: executorsStarted.size,
    };
    deps.log(
        `job ${spec.job}: succeeded in ${outcome.durationSeconds}s${result ? `: ${result}` : ""}`,
    );
    return outcome;
}

/** Kinds Spark creates for a run besides pods; owned by the driver pod. */
const OWNED_KINDS = ["services", "configmaps", "persistentvolumeclaims"] as const;

interface OwnedView {
    readonly metadata?: {
        readonly name?: string;
        readonly ownerReferences?: readonly { readonly uid: string }[];
    };
}

/**
 * Deletes every pod matching `selector` (drivers and executors), and the services,
 * config maps and PVCs owned by those drivers, then waits until the pods are gone.
 *
 * @returns how many objects of each kind were deleted.
 */
export async function removeRun(
    deps: RunnerDeps,
    namespace: string,
    selector: string,
    extraOwnerUid?: string,
): Promise<Record<string, number>> {
    const counts: Record<string, number> = { pods: 0 };
    const pods = await deps.kube.list<PodView>(namespace, "pods", selector);
    const owners = new Set(
        pods.map((p) => p.metadata?.uid).filter((uid): uid is string => Boolean(uid)),
    );
    if (extraOwnerUid) owners.add(extraOwnerUid);
    for (const pod of pods) {
        if (pod.metadata?.name) {
            await deps.kube.delete(namespace, "pods", pod.metadata.name, 0);
            counts.pods++;
        }
    }
    for (const kind of OWNED_KINDS) {
        counts[kind] = 0;
        const byLabel = await deps.kube.list<OwnedView>(namespace, kind, selector);
        const all = owners.size > 0 ? await deps.kube.list<OwnedView>(namespace, kind) : [];
        const owned = all.filter((o) =>
            (o.metadata?.ownerReferences ?? []).some((ref) => owners.has(ref.uid)),
        );
        const names = new Set(
            [...byLabel, ...owned]
                .map((o) => o.metadata?.name)
                .filter((n): n is string => Boolean(n)),
        );
        for (const name of names) {
            await deps.kube.delete(namespace, kind, name);
            counts[kind]++;
        }
    }
    const deadline = deps.now() + (deps.cleanupTimeoutMs ?? 120_000);
    while ((await deps.kube.list<PodView>(namespace, "pods", selector)).length > 0) {
        if (deps.now() >= deadline) {
            throw new RunFailure(
                `pods matching ${selector} in ${namespace} were deleted but still exist after ${(deps.cleanupTimeoutMs ?? 120_000) / 1000}s`,
            );
        }
        await deps.sleep(deps.pollMs ?? 2000);
    }
    return counts;
}

/** Removes everything every run of this job created: what destroy and re-runs call. */
export async function removeJob(
    spec: Pick<JobRunSpec, "project" | "stack" | "job" | "namespace">,
    deps: RunnerDeps,
): Promise<Record<string, number>> {
    const counts = await removeRun(deps, spec.namespace, selectorString(jobSelector(spec)));
    deps.log(
        `job ${spec.job}: removed ${Object.entries(counts)
            .map(([kind, n]) => `${n} ${kind}`)
            .join(", ")}`,
    );
    return counts;
}
