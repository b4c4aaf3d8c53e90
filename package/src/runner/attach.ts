/**
 * Following an in-cluster run to its end: the run is a Kubernetes Job that the stack
 * created; this watches it and its pods, reports progress as it happens, and gives the
 * outcome, or the failure with its true cause (see lib/runMessages.ts).
 *
 * It holds no state of its own: attaching again to the same Job (after the deployer
 * was interrupted, or on refresh) gives the same outcome, and never starts a second run.
 */
import {
    DRIVER_CONTAINER,
    containerStarted,
    driverContainer,
    judgeDriver,
} from "../lib/driverState";
import { LOG_LINES_FOR_RESULT, extractResult, registeredExecutors } from "../lib/driverLog";
import { APP_ID_LABEL, appIdFromLog, eventLogProblem } from "../lib/observability";
import { describeError } from "../lib/retry";
import {
    FailureReport,
    NEXT_AFTER_CLUSTER_FAILURE,
    RunFailure,
    cannotStartWhat,
    deadlineWhat,
    failureMessage,
    noResultWhat,
    successLine,
} from "../lib/runMessages";
import { LABELS } from "../lib/runSpec";
import {
    EventView,
    JobView,
    RunPodView,
    RunVerdict,
    attemptOutcome,
    driverPods,
    executorsOf,
    hopelessEvent,
    judgeRun,
    secondsBetween,
} from "../lib/runState";
import type { KubeClient } from "./kube";
import type { AttachRequest, RunOutcome } from "./protocol";

/** What attaching needs from the outside world. */
export interface AttachDeps {
    readonly kube: Pick<KubeClient, "listVersioned" | "podLog" | "delete" | "waitForChange">;
    now(): number;
    /** Progress, for humans. */
    log(message: string): void;
    /** Longest wait for news before timeouts are checked again; default 10 s. */
    readonly tickMs?: number;
}

/** What the follower remembers between looks at the run. */
interface Memory {
    readonly attached: number;
    /** The last state reported per driver pod. */
    readonly reported: Map<string, string>;
    /** When each driver pod was first seen. */
    readonly firstSeen: Map<string, number>;
    readonly executorsSeen: Set<string>;
}

/** One look at the run: its Job and its pods, and the versions to watch from. */
interface Look {
    readonly job: JobView;
    readonly pods: RunPodView[];
    readonly drivers: RunPodView[];
    readonly jobsVersion: string;
    readonly podsVersion: string;
}

type Failed = Extract<RunVerdict, { kind: "failed" }>;

/** Follows the run's Job until it completes or fails. */
export async function attachRun(request: AttachRequest, deps: AttachDeps): Promise<RunOutcome> {
    const memory: Memory = {
        attached: deps.now(),
        reported: new Map(),
        firstSeen: new Map(),
        executorsSeen: new Set(),
    };
    deps.log(`job ${request.job}: following run ${request.namespace}/${request.runName}`);
    for (;;) {
        const look = await lookAtRun(request, deps);
        reportProgress(look, memory, deps);
        const verdict = judgeRun(look.job, look.pods);
        if (verdict.kind === "succeeded")
            return succeeded(request, look, verdict.driver, memory, deps);
        if (verdict.kind === "failed") return failed(request, look, verdict, deps);
        await checkStart(request, look, memory, deps);
        await waitForNews(request, look, deps);
    }
}

/** The run's Job (it must be the one this run created) and its pods. */
async function lookAtRun(request: AttachRequest, deps: AttachDeps): Promise<Look> {
    const ns = request.namespace;
    const jobs = await deps.kube.listVersioned<JobView>(
        ns,
        "jobs",
        undefined,
        `metadata.name=${request.runName}`,
    );
    const job = jobs.items[0];
    if (!job || (request.runUid !== "" && job.metadata?.uid !== request.runUid)) {
        throw new RunFailure(
            `job ${request.job}: the run's Job ${ns}/${request.runName} ${job ? "was replaced by another Job of the same name" : "does not exist"} (deleted after its driver could not start, or from outside). ` +
                "`pulumi up --refresh` creates it again; so does a change of the job's settings or runId.",
        );
    }
    const pods = await deps.kube.listVersioned<RunPodView>(
        ns,
        "pods",
        `${LABELS.run}=${request.runName}`,
    );
    return {
        job,
        pods: pods.items,
        drivers: driverPods(pods.items),
        jobsVersion: jobs.resourceVersion,
        podsVersion: pods.resourceVersion,
    };
}

/** One line on where a driver pod is. */
function podState(pod: RunPodView): string {
    const verdict = judgeDriver(pod, 0, Number.POSITIVE_INFINITY);
    if (verdict.kind === "starting") return verdict.reason;
    if (verdict.kind === "failed") return attemptOutcome(pod);
    if (verdict.kind === "succeeded") return "succeeded";
    return verdict.kind;
}

/** Says what changed since the last look: driver states, executors that started. */
function reportProgress(look: Look, memory: Memory, deps: AttachDeps): void {
    const elapsed = Math.round((deps.now() - memory.attached) / 1000);
    look.drivers.forEach((pod, i) => {
        const name = pod.metadata?.name ?? "?";
        if (!memory.firstSeen.has(name)) memory.firstSeen.set(name, deps.now());
        const state = podState(pod);
        if (memory.reported.get(name) !== state) {
            memory.reported.set(name, state);
            deps.log(`attempt ${i + 1}, driver pod ${name}: ${state} (${elapsed}s)`);
        }
    });
    for (const pod of look.pods) {
        const name = pod.metadata?.name;
        if (
            pod.metadata?.labels?.["spark-role"] === "executor" &&
            name &&
            !memory.executorsSeen.has(name) &&
            containerStarted(pod)
        ) {
            memory.executorsSeen.add(name);
            deps.log(`executor ${name}: started (${elapsed}s)`);
        }
    }
}

/**
 * Fails the run if its driver cannot start: past `startTimeoutSeconds`, or at once when
 * nothing but a person can fix it (a missing ServiceAccount, Secret or ConfigMap, an
 * invalid image name). A pending pod would otherwise start whenever room frees up, long
 * after `pulumi up` gave up on it, so the Job is deleted (its pods with it) first.
 */
async function checkStart(
    request: AttachRequest,
    look: Look,
    memory: Memory,
    deps: AttachDeps,
): Promise<void> {
    const newest = look.drivers[look.drivers.length - 1];
    // A driver that ran and ended leaves the Job to start the next attempt after its backoff.
    const state = newest && judgeDriver(newest, 0, Number.POSITIVE_INFINITY).kind;
    if (state && state !== "starting" && state !== "cannot-start") return;
    const since = newest
        ? (memory.firstSeen.get(newest.metadata?.name ?? "") ?? memory.attached)
        : memory.attached;
    // No driver now, after one ran: the Job controller is between attempts or stopping the
    // run; only a pod it cannot create for good fails the run here.
    const between = !newest && memory.firstSeen.size > 0;
    const blocker = await startBlocker(
        request,
        newest,
        between ? 0 : (deps.now() - since) / 1000,
        deps,
    );
    if (!blocker) return;
    throw new RunFailure(
        failureMessage({
            job: request.job,
            run: `${request.namespace}/${request.runName}`,
            what: cannotStartWhat(
                request.startTimeoutSeconds,
                blocker.reason,
                blocker.message,
                blocker.hopeless,
            ),
            next: await deleteStuckJob(request, deps),
        }),
    );
}

/** What keeps the driver from starting, if it cannot start: for good, or past the bound. */
async function startBlocker(
    request: AttachRequest,
    newest: RunPodView | undefined,
    waited: number,
    deps: AttachDeps,
): Promise<{ reason: string; message: string; hopeless: boolean } | undefined> {
    if (newest) {
        const verdict = judgeDriver(newest, waited, request.startTimeoutSeconds);
        if (verdict.kind === "cannot-start")
            return {
                reason: verdict.reason,
                message: verdict.message,
                hopeless: waited < request.startTimeoutSeconds,
            };
    }
    const event = hopelessEvent(
        await objectEvents(request, newest?.metadata?.name ?? request.runName, deps),
    );
    if (event) return { ...event, hopeless: true };
    if (!newest && waited >= request.startTimeoutSeconds)
        return { ...(await noPodReason(request, deps)), hopeless: false };
    return undefined;
}

/** Warning events about one object of the run's namespace (the Job, or a driver pod). */
async function objectEvents(
    request: AttachRequest,
    name: string,
    deps: AttachDeps,
): Promise<EventView[]> {
    const events = await deps.kube.listVersioned<EventView>(
        request.namespace,
        "events",
        undefined,
        `involvedObject.name=${name}`,
    );
    return events.items;
}

/** Why a Job has no pod yet: the Job controller's last warning event about it. */
async function noPodReason(
    request: AttachRequest,
    deps: AttachDeps,
): Promise<{ reason: string; message: string }> {
    const warning = (await objectEvents(request, request.runName, deps))
        .filter((e) => e.type === "Warning")
        .pop();
    return warning
        ? { reason: warning.reason ?? "Warning", message: warning.message ?? "" }
        : { reason: "NoPod", message: "the Job controller has created no pod yet" };
}

/** Deletes a Job whose driver cannot start; says what happened, its own failure included. */
async function deleteStuckJob(request: AttachRequest, deps: AttachDeps): Promise<string> {
    const job = `${request.namespace}/${request.runName}`;
    try {
        await deps.kube.delete(request.namespace, "jobs", request.runName);
        return `The run's Job ${job} was deleted, with its pods; \`pulumi up --refresh\` (or a change of the job's settings or runId) runs it again.`;
    } catch (err) {
        // The clean-up's own error is added to the failure; it never replaces it.
        return `Deleting the run's Job ${job} failed too (${describeError(err)}): its pending pod may still start later; \`pulumi destroy\` or \`kubectl -n ${request.namespace} delete job ${request.runName}\` removes it.`;
    }
}

/** Waits for a change of the Job or its pods, or for the tick that rechecks the bounds. */
async function waitForNews(request: AttachRequest, look: Look, deps: AttachDeps): Promise<void> {
    await deps.kube.waitForChange(
        [
            {
                resource: "pods",
                namespace: request.namespace,
                labelSelector: `${LABELS.run}=${request.runName}`,
                resourceVersion: look.podsVersion,
            },
            {
                resource: "jobs",
                namespace: request.namespace,
                fieldSelector: `metadata.name=${request.runName}`,
                resourceVersion: look.jobsVersion,
            },
        ],
        deps.tickMs ?? 10_000,
    );
}

/** The outcome of a run whose Job completed: the result line from the driver's log. */
async function succeeded(
    request: AttachRequest,
    look: Look,
    driver: RunPodView,
    memory: Memory,
    deps: AttachDeps,
): Promise<RunOutcome> {
    const driverName = driver.metadata?.name ?? "";
    const log = await deps.kube.podLog(
        request.namespace,
        driverName,
        DRIVER_CONTAINER,
        LOG_LINES_FOR_RESULT,
    );
    let result = "";
    if (request.resultPattern !== undefined) {
        const found = extractResult(log, request.resultPattern);
        if (found === undefined)
            throw new RunFailure(
                failureMessage({
                    job: request.job,
                    run: `${request.namespace}/${request.runName}`,
                    what: noResultWhat(request.resultPattern),
                    driverLog: { pod: `${request.namespace}/${driverName}`, text: log },
                    next: NEXT_AFTER_CLUSTER_FAILURE,
                }),
            );
        result = found;
    }
    const seen = [...memory.executorsSeen].filter((name) =>
        name.startsWith(`${driverName}-exec-`),
    ).length;
    const outcome: RunOutcome = {
        runName: request.runName,
        namespace: request.namespace,
        driverPod: driverName,
        exitCode: 0,
        // From the Job's start to the driver's own exit (the Job's completionTime can lag
        // behind it, e.g. after an API outage).
        durationSeconds:
            secondsBetween(
                look.job.status?.startTime,
                driverContainer(driver)?.state?.terminated?.finishedAt,
            ) ??
            secondsBetween(look.job.status?.startTime, look.job.status?.completionTime) ??
            0,
        result,
        executorsStarted: Math.max(
            seen,
            executorsOf(look.pods, driverName).length,
            registeredExecutors(log),
        ),
        attempts: look.drivers.length,
        appId: runAppId(look.pods, driver, log),
    };
    deps.log(successLine(request.job, outcome.durationSeconds, result));
    return outcome;
}

/**
 * The application id of a driver's run: the label Spark puts on its executors (or on a
 * driver it created itself), else the id its log names ("" if none does).
 */
export function runAppId(pods: readonly RunPodView[], driver: RunPodView, log: string): string {
    const name = driver.metadata?.name ?? "";
    const labelled = [driver, ...executorsOf(pods, name)]
        .map((pod) => pod.metadata?.labels?.[APP_ID_LABEL])
        .find((id) => id !== undefined && id !== "");
    return labelled ?? appIdFromLog(log) ?? "";
}

/** The failure of a run whose Job failed, with its true cause. */
async function failed(
    request: AttachRequest,
    look: Look,
    verdict: Failed,
    deps: AttachDeps,
): Promise<never> {
    const driver = verdict.driver;
    const driverName = driver?.metadata?.name;
    const log = driverName
        ? await deps.kube.podLog(
              request.namespace,
              driverName,
              DRIVER_CONTAINER,
              LOG_LINES_FOR_RESULT,
          )
        : "";
    const report: FailureReport = {
        job: request.job,
        run: `${request.namespace}/${request.runName}`,
        what: failedWhat(request, look, verdict),
        evidence: [
            ...(request.eventLogDir !== undefined && log
                ? [eventLogProblem(log, request.eventLogDir)].filter((p) => p !== undefined)
                : []),
            ...(verdict.reason === "DeadlineExceeded"
                ? []
                : [
                      `attempts: ${look.drivers.length} (retries allowed: ${look.job.spec?.backoffLimit ?? 0}); the Job says ${verdict.reason}${verdict.message ? `: ${verdict.message}` : ""}`,
                  ]),
        ],
        ...(driverName
            ? { driverLog: { pod: `${request.namespace}/${driverName}`, text: log } }
            : {}),
        next: NEXT_AFTER_CLUSTER_FAILURE,
    };
    throw new RunFailure(failureMessage(report));
}

/** What happened to a failed run, in one line. */
function failedWhat(request: AttachRequest, look: Look, verdict: Failed): string {
    if (verdict.reason === "DeadlineExceeded")
        return deadlineWhat(look.job.spec?.activeDeadlineSeconds ?? request.runTimeoutSeconds);
    if (verdict.driver) return `failed: ${attemptOutcome(verdict.driver)}`;
    return `failed (${verdict.reason}${verdict.message ? `: ${verdict.message}` : ""})`;
}
