/**
 * What `pulumi up` says about a run, for both submitters: the success line, and every
 * failure as a headline (what happened, whose fault), the evidence (the driver's last
 * state, the Python error, the log's tail) and what to do next. The one place these
 * words are composed. Pure.
 */
import { LOG_LINES_ON_FAILURE, logTail, pythonError } from "./driverLog";

/** A run that did not succeed; the message is what `pulumi up` shows. */
export class RunFailure extends Error {
    constructor(message: string) {
        super(message);
        this.name = "RunFailure";
    }
}

/** The progress line of a run that succeeded. */
export function successLine(job: string, durationSeconds: number, result: string): string {
    return `job ${job}: succeeded in ${durationSeconds}s${result ? `: ${result}` : ""}`;
}

/** What a failed run's message is made of. */
export interface FailureReport {
    readonly job: string;
    /** The run, `namespace/name`. */
    readonly run: string;
    /** What happened, in one line: `stopped by its deadline after 600 s (runTimeoutSeconds)`. */
    readonly what: string;
    /** Lines of evidence: the last driver pod's state, events. */
    readonly evidence?: readonly string[];
    /** The driver log, if one could be read: its Python error and tail are shown. */
    readonly driverLog?: { readonly pod: string; readonly text: string };
    /** What to do next. */
    readonly next: string;
}

/** A failed run's message: headline, evidence, Python error, log tail, next step. */
export function failureMessage(report: FailureReport): string {
    const lines = [
        `job ${report.job}: run ${report.run} ${report.what}`,
        ...(report.evidence ?? []),
    ];
    const log = report.driverLog;
    if (log) {
        const error = pythonError(log.text);
        if (error) lines.push(`python error: ${error}`);
        if (log.text.trim())
            lines.push(
                `--- last ${LOG_LINES_ON_FAILURE} lines of the driver log (${log.pod}) ---`,
                logTail(log.text, LOG_LINES_ON_FAILURE),
            );
    }
    lines.push(report.next);
    return lines.join("\n");
}

/** Next steps after a failed in-cluster run: its Job stays, for its logs. */
export const NEXT_AFTER_CLUSTER_FAILURE =
    "The failed Job stays in the cluster for its logs; an unchanged `pulumi up` reports this failure again. " +
    "A change of the job's settings or runId (or `npm run job -- rerun`) runs it anew.";

/** Next steps after a failed run from the deployer: its pods were removed. */
export const NEXT_AFTER_LOCAL_FAILURE =
    "The run's pods were removed; the next `pulumi up` runs the job again.";

/** The headline of a run stopped by Kubernetes at `activeDeadlineSeconds`. */
export function deadlineWhat(runTimeoutSeconds: number): string {
    return `was stopped by its deadline after ${runTimeoutSeconds} s (runTimeoutSeconds=${runTimeoutSeconds}): raise runTimeoutSeconds if the job needs longer`;
}

/** The headline of a driver that could not start. */
export function cannotStartWhat(
    startTimeoutSeconds: number,
    reason: string,
    message: string,
    hopeless: boolean,
): string {
    const why = `${reason}${message ? `: ${message}` : ""}`;
    return hopeless
        ? `could not start its driver and never will: ${why}`
        : `could not start its driver within ${startTimeoutSeconds}s (startTimeoutSeconds): ${why}`;
}

/** The headline of a driver that succeeded without printing the result line. */
export function noResultWhat(resultPattern: string): string {
    return `succeeded, but no line of its driver log matches resultPattern /${resultPattern}/`;
}
