/**
 * The one contract between the run resources (in the engine's provider process) and the
 * runner process they start (`runner/cli.js <mode>`): for each mode, the request, the
 * response, the environment variable that carries the request and the prefix of progress
 * lines. Both sides parse against these schemas, so a bad request is a clear error, never
 * a cast. Pure.
 *
 * - `attach` (submitter cluster): follow the run's Job to its outcome.
 * - `status` (submitter cluster): whether the run's Job still exists (refresh).
 * - `run` (submitter local): spark-submit from the deployer, then watch the driver.
 * - `delete` (submitter local): remove every pod and object the job's runs created.
 *
 * The runner writes progress lines (`[jobrun] ...`) and, on failure, the message to stderr;
 * on success one JSON line, the response, to stdout.
 */
import { z } from "zod";
import { apiRetrySecondsSchema } from "../lib/jobSettings";
import { clusterAccessSchema, runSpecSchema } from "../lib/runSpec";

/** The environment variable that carries a mode's request, as JSON. */
export const REQUEST_ENV = "PSK_RUNNER_REQUEST";

/** Progress lines of the runner start with this; the rest of its stderr is the failure. */
export const PROGRESS_PREFIX = "[jobrun] ";

/** What a finished run recorded: the stack output `jobRuns` shows it per job. */
export interface RunOutcome {
    /** The run's name: its Kubernetes Job's (submitter cluster) or `<job>-<tag>` (local). */
    readonly runName: string;
    readonly namespace: string;
    /** The driver pod of the run (for `kubectl logs`). */
    readonly driverPod: string;
    readonly exitCode: number;
    readonly durationSeconds: number;
    /** Executor pods of the run that got a container started. */
    readonly executorsStarted: number;
    /** The driver log line matched by `resultPattern` ("" without one). */
    readonly result: string;
    /** Driver pods the run took: 1, plus one per retried failure. */
    readonly attempts: number;
    /** The Spark application id of the run's last attempt ("" if it never got that far). */
    readonly appId: string;
}

export const runOutcomeSchema = z.strictObject({
    runName: z.string(),
    namespace: z.string(),
    driverPod: z.string(),
    exitCode: z.number().int(),
    durationSeconds: z.number(),
    executorsStarted: z.number().int(),
    result: z.string(),
    attempts: z.number().int(),
    appId: z.string(),
}) satisfies z.ZodType<RunOutcome>;

/** Which in-cluster run to follow, and how. */
export const attachRequestSchema = z.strictObject({
    /** The job's name. */
    job: z.string().min(1),
    namespace: z.string().min(1),
    /** The run's Kubernetes Job. */
    runName: z.string().min(1),
    /** The Job's uid when it was created: another Job of the same name is another run. */
    runUid: z.string(),
    resultPattern: z.string().optional(),
    startTimeoutSeconds: z.number().int().positive(),
    runTimeoutSeconds: z.number().int().positive(),
    apiRetrySeconds: apiRetrySecondsSchema,
    cluster: clusterAccessSchema,
    /** The runs' event-log directory, named in a failure it caused. */
    eventLogDir: z.string().optional(),
});
export type AttachRequest = z.output<typeof attachRequestSchema>;

export const statusResponseSchema = z.strictObject({
    exists: z.boolean(),
    uid: z.string(),
});

export const deleteResponseSchema = z.strictObject({
    removed: z.record(z.string(), z.number().int()),
});

/** Every mode: its request and its response. */
export const MODES = {
    attach: { request: attachRequestSchema, response: runOutcomeSchema },
    status: { request: attachRequestSchema, response: statusResponseSchema },
    run: { request: runSpecSchema, response: runOutcomeSchema },
    delete: { request: runSpecSchema, response: deleteResponseSchema },
} as const;

export type Mode = keyof typeof MODES;
export type Request<M extends Mode> = z.input<(typeof MODES)[M]["request"]>;
export type Response<M extends Mode> = z.output<(typeof MODES)[M]["response"]>;

export function isMode(value: string | undefined): value is Mode {
    return value !== undefined && Object.prototype.hasOwnProperty.call(MODES, value);
}

/** A line of a zod error, without the schema's internals: `runName: expected string`. */
export function schemaErrorText(error: z.ZodError): string {
    return error.issues
        .map(
            (issue) =>
                `${issue.path.length > 0 ? issue.path.join(".") : "(request)"}: ${issue.message}`,
        )
        .join("; ");
}

/** The runner's side: the mode's request from the environment, or what is wrong with it. */
export function parseRequest<M extends Mode>(
    mode: M,
    env: NodeJS.ProcessEnv,
): z.output<(typeof MODES)[M]["request"]> {
    const raw = env[REQUEST_ENV];
    if (!raw)
        throw new ProtocolError(
            `${REQUEST_ENV} is not set: the runner takes its ${mode} request as JSON there`,
        );
    let json: unknown;
    try {
        json = JSON.parse(raw);
    } catch (err) {
        throw new ProtocolError(`${REQUEST_ENV} is not valid JSON: ${(err as Error).message}`);
    }
    const parsed = MODES[mode].request.safeParse(json);
    if (!parsed.success)
        throw new ProtocolError(
            `bad ${mode} request in ${REQUEST_ENV}: ${schemaErrorText(parsed.error)}`,
        );
    return parsed.data as z.output<(typeof MODES)[M]["request"]>;
}

/** The resources' side: the mode's response from the runner's last stdout line. */
export function parseResponse<M extends Mode>(mode: M, stdout: string): Response<M> {
    const lines = stdout.trim().split(/\r?\n/);
    const last = lines[lines.length - 1]?.trim() ?? "";
    let json: unknown;
    try {
        json = JSON.parse(last);
    } catch {
        throw new ProtocolError(
            `the runner's ${mode} response is not JSON: ${JSON.stringify(last.slice(0, 200))}`,
        );
    }
    const parsed = MODES[mode].response.safeParse(json);
    if (!parsed.success)
        throw new ProtocolError(
            `bad ${mode} response from the runner: ${schemaErrorText(parsed.error)}`,
        );
    return parsed.data as Response<M>;
}

/** A request or response that does not follow the contract. */
export class ProtocolError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "ProtocolError";
    }
}
