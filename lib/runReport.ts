/**
 * What `npm run job` says after `pulumi up`: for each job, whether it ran in this update
 * or the stack kept the run it recorded earlier (an unchanged job does not run again).
 */
import type { JobRecord } from "@pyspark-k8s/pulumi";
import * as fs from "fs";

/** The stack output `jobRuns`: job name to its recorded run, or its schedule. */
export type JobRuns = Readonly<Record<string, JobRecord>>;

/**
 * One line per job in `after`: a job whose driver pod differs from the one recorded
 * `before` the update ran in it; the others kept their earlier run.
 */
export function describeRuns(before: JobRuns, after: JobRuns): string[] {
    return Object.entries(after).flatMap(([job, run]) => {
        if ("cronJob" in run) {
            return [
                `${job}: scheduled (${run.schedule}), runs outside pulumi up as CronJob ${run.cronJob}`,
            ];
        }
        const earlier = before[job];
        const ranNow =
            earlier === undefined ||
            !("driverPod" in earlier) ||
            earlier.driverPod !== run.driverPod;
        return [
            ranNow
                ? `${job}: ran in this update (driver pod ${run.driverPod}, ${run.executorsStarted} executors, ${run.durationSeconds} s): ${run.result}`
                : `${job}: not run in this update, its inputs are unchanged; recorded run (driver pod ${run.driverPod}): ${run.result}`,
            // Where to look at the run: its History Server page and its kept logs.
            ...(run.historyUrl ? [`  history: ${run.historyUrl} (application ${run.appId})`] : []),
            ...(run.logs ? [`  logs:    ${run.logs} (npm run job -- logs ${job})`] : []),
        ];
    });
}

/** `npm run job`'s report: `node -r ts-node/register/transpile-only lib/runReport.ts BEFORE.json AFTER.json`. */
if (require.main === module) {
    const [beforeFile, afterFile] = process.argv.slice(2);
    const read = (file: string): JobRuns => {
        const text = fs.readFileSync(file, "utf8").trim();
        return text ? (JSON.parse(text) as JobRuns) : {};
    };
    for (const line of describeRuns(read(beforeFile), read(afterFile))) console.log(line);
}
