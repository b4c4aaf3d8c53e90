/**
 * The local submitter's runner: submits one run of a job with spark-submit in cluster
 * mode from the deployer, watches the driver pod itself, and gives real pass/fail.
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
} from "../lib/driverLog";
import {
    NEXT_AFTER_LOCAL_FAILURE,
    RunFailure,
    cannotStartWhat,
    deadlineWhat,
    failureMessage,
    noResultWhat,
    successLine,
} from "../lib/runMessages";
import { APP_ID_LABEL, appIdFromLog, eventLogProblem } from "../lib/observability";
import { LABELS, RunSpec, jobSelector } from "../lib/runSpec";
import { attemptOutcome } from "../lib/runState";
import { RunIdentity, driverPodName, localPodTemplateFiles, sparkSubmitArgs } from "../lib/submit";
import type { KubeClient } from "./kube";
import type { RunOutcome } from "./protocol";

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

/** One submitted run, as the watch loop sees it. */
interface Submitted {
    readonly spec: RunSpec;
    readonly run: RunIdentity;
    readonly driver: string;
    readonly selector: string;
    readonly started: number;
    readonly submit: SubmitProcess;
    /** Set once spark-submit has exited. */
    submitExit?: SubmitExit;
    /** When the driver was first seen running. */
    runningSince?: number;
    lastReason: string;
    readonly executorsStarted: Set<string>;
}

function selectorString(labels: Record<string, string>): string {
    return Object.entries(labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(",");
}

/** Runs one job to completion. Resolves with its outcome or rejects with a RunFailure. */
export async function runJob(spec: RunSpec, master: string, deps: RunnerDeps): Promise<RunOutcome> {
    const submitted = submit(spec, master, deps);
    const pod = await watchDriver(submitted, deps);
    return finish(submitted, pod, deps);
}

/** Starts spark-submit for a new run, named and labelled afresh. */
function submit(spec: RunSpec, master: string, deps: RunnerDeps): Submitted {
    const runName = `${spec.job}-${deps.newRunTag()}`;
    const run: RunIdentity = {
        master,
        runName,
        podTemplateDir: deps.writePodTemplates(localPodTemplateFiles(spec)),
    };
    const driver = driverPodName(runName);
    deps.log(
        `submitting ${spec.job} as driver pod ${spec.namespace}/${driver} (image ${spec.image})`,
    );
    const submitted: Submitted = {
        spec,
        run,
        driver,
        selector: selectorString({ ...jobSelector(spec), [LABELS.run]: runName }),
        started: deps.now(),
        submit: deps.startSubmit(sparkSubmitArgs(spec, run)),
        lastReason: "",
        executorsStarted: new Set(),
    };
    void submitted.submit.exited.then((exit) => (submitted.submitExit = exit));
    return submitted;
}

/** Polls the driver pod until it has ended; fails the run on the way if it must. */
async function watchDriver(s: Submitted, deps: RunnerDeps): Promise<PodView | undefined> {
    for (;;) {
        const pod = await deps.kube.get<PodView>(s.spec.namespace, "pods", s.driver);
        const elapsed = (deps.now() - s.started) / 1000;
        const bound =
            s.runningSince === undefined ? s.spec.startTimeoutSeconds : Number.POSITIVE_INFINITY;
        const verdict = judgeDriver(pod, elapsed, bound);
        if (verdict.kind === "succeeded" || verdict.kind === "failed") return pod;
        if (verdict.kind === "cannot-start")
            return fail(
                s,
                cannotStartWhat(
                    s.spec.startTimeoutSeconds,
                    verdict.reason,
                    verdict.message,
                    elapsed < bound,
                ),
                deps,
                pod,
            );
        if (verdict.kind === "absent") await checkAbsentDriver(s, elapsed, deps);
        if (verdict.kind === "starting" && verdict.reason !== s.lastReason) {
            s.lastReason = verdict.reason;
            deps.log(`driver ${s.driver}: ${verdict.reason} (${Math.round(elapsed)}s)`);
        }
        if (verdict.kind === "running" && s.runningSince === undefined) {
            s.runningSince = deps.now();
            deps.log(`driver ${s.driver}: running (${Math.round(elapsed)}s)`);
        }
        if (s.runningSince !== undefined) await reportExecutors(s, deps);
        if (elapsed >= s.spec.runTimeoutSeconds)
            return fail(s, deadlineWhat(s.spec.runTimeoutSeconds), deps, pod);
        await deps.sleep(deps.pollMs ?? 2000);
    }
}

/** A driver pod that is not there: gone while running, refused by spark-submit, or late. */
async function checkAbsentDriver(s: Submitted, elapsed: number, deps: RunnerDeps): Promise<void> {
    if (s.runningSince !== undefined)
        await fail(s, `lost its driver pod ${s.driver} while it ran (deleted from outside?)`, deps);
    const exit = s.submitExit;
    if (exit && exit.code !== 0)
        await fail(
            s,
            `could not start: spark-submit exited with code ${exit.code} before the driver pod existed:\n${logTail(exit.output, LOG_LINES_ON_FAILURE)}`,
            deps,
        );
    if (elapsed >= s.spec.startTimeoutSeconds) {
        const said = exit
            ? `spark-submit exited ${exit.code}:\n${logTail(exit.output, LOG_LINES_ON_FAILURE)}`
            : "spark-submit is still running";
        await fail(
            s,
            `could not start: its driver pod did not appear within ${s.spec.startTimeoutSeconds}s (${said})`,
            deps,
        );
    }
}

/** Says which executors have started since the last look. */
async function reportExecutors(s: Submitted, deps: RunnerDeps): Promise<void> {
    const executors = await deps.kube.list<PodView>(
        s.spec.namespace,
        "pods",
        `${s.selector},spark-role=executor`,
    );
    for (const executor of executors) {
        const name = executor.metadata?.name;
        if (name && !s.executorsStarted.has(name) && containerStarted(executor)) {
            s.executorsStarted.add(name);
            deps.log(`executor ${name}: started`);
        }
    }
}

/** The outcome of a driver that has ended: its result line, or its failure. */
async function finish(
    s: Submitted,
    pod: PodView | undefined,
    deps: RunnerDeps,
): Promise<RunOutcome> {
    const log = await deps.kube.podLog(
        s.spec.namespace,
        s.driver,
        DRIVER_CONTAINER,
        LOG_LINES_FOR_RESULT,
    );
    const verdict = judgeDriver(pod, 0, Number.POSITIVE_INFINITY);
    if (verdict.kind === "failed" && pod) {
        const eventLog = s.spec.eventLog ? eventLogProblem(log, s.spec.eventLog.dir) : undefined;
        return fail(
            s,
            `failed: ${attemptOutcome(pod)} (spark-submit exit code: ${s.submitExit?.code ?? "still running"})${eventLog ? `\n${eventLog}` : ""}`,
            deps,
            pod,
            log,
        );
    }
    let result = "";
    if (s.spec.resultPattern !== undefined) {
        const found = extractResult(log, s.spec.resultPattern);
        if (found === undefined) return fail(s, noResultWhat(s.spec.resultPattern), deps, pod, log);
        result = found;
    }
    s.submit.kill();
    const outcome: RunOutcome = {
        runName: s.run.runName,
        namespace: s.spec.namespace,
        driverPod: s.driver,
        exitCode: 0,
        durationSeconds: Math.round(((deps.now() - s.started) / 1000) * 10) / 10,
        result,
        executorsStarted: s.executorsStarted.size,
        attempts: 1,
        // Spark labels the driver pod it creates with the application id.
        appId: pod?.metadata?.labels?.[APP_ID_LABEL] ?? appIdFromLog(log) ?? "",
    };
    deps.log(successLine(s.spec.job, outcome.durationSeconds, result));
    return outcome;
}

/** Stops spark-submit, removes what the run created and fails with the run's message. */
async function fail(
    s: Submitted,
    what: string,
    deps: RunnerDeps,
    pod?: PodView,
    log?: string,
): Promise<never> {
    s.submit.kill();
    const message = failureMessage({
        job: s.spec.job,
        run: `${s.spec.namespace}/${s.run.runName}`,
        what,
        ...(log !== undefined
            ? { driverLog: { pod: `${s.spec.namespace}/${s.driver}`, text: log } }
            : {}),
        next: NEXT_AFTER_LOCAL_FAILURE,
    });
    try {
        await removeRun(deps, s.spec.namespace, s.selector, pod?.metadata?.uid);
    } catch (err) {
        // The clean-up's own error is added to the failure; it never replaces it.
        throw new RunFailure(
            `${message}\nRemoving the run's pods failed too: ${(err as Error).message}`,
        );
    }
    throw new RunFailure(message);
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
    deps: Pick<RunnerDeps, "kube" | "now" | "sleep" | "pollMs" | "cleanupTimeoutMs">,
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
    for (const kind of OWNED_KINDS)
        counts[kind] = await removeOwned(deps, namespace, kind, selector, owners);
    await waitForPodsGone(deps, namespace, selector);
    return counts;
}

/** Deletes the objects of one kind that carry the selector or belong to one of `owners`. */
async function removeOwned(
    deps: Pick<RunnerDeps, "kube">,
    namespace: string,
    kind: (typeof OWNED_KINDS)[number],
    selector: string,
    owners: ReadonlySet<string>,
): Promise<number> {
    const byLabel = await deps.kube.list<OwnedView>(namespace, kind, selector);
    const all = owners.size > 0 ? await deps.kube.list<OwnedView>(namespace, kind) : [];
    const owned = all.filter((o) =>
        (o.metadata?.ownerReferences ?? []).some((ref) => owners.has(ref.uid)),
    );
    const names = new Set(
        [...byLabel, ...owned].map((o) => o.metadata?.name).filter((n): n is string => Boolean(n)),
    );
    for (const name of names) await deps.kube.delete(namespace, kind, name);
    return names.size;
}

async function waitForPodsGone(
    deps: Pick<RunnerDeps, "kube" | "now" | "sleep" | "pollMs" | "cleanupTimeoutMs">,
    namespace: string,
    selector: string,
): Promise<void> {
    const timeoutMs = deps.cleanupTimeoutMs ?? 120_000;
    const deadline = deps.now() + timeoutMs;
    while ((await deps.kube.list<PodView>(namespace, "pods", selector)).length > 0) {
        if (deps.now() >= deadline)
            throw new RunFailure(
                `pods matching ${selector} in ${namespace} were deleted but still exist after ${timeoutMs / 1000}s`,
            );
        await deps.sleep(deps.pollMs ?? 2000);
    }
}

/** Removes everything every run of this job created: what destroy and re-runs call. */
export async function removeJob(
    spec: Pick<RunSpec, "project" | "stack" | "job" | "namespace">,
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
