/**
 * Riding out a Kubernetes API that blinks: which errors are worth retrying, and a
 * retry loop bounded by a time window rather than a count. Pure: the clock and the
 * sleep are passed in.
 */

/** Network error codes that mean "try again", not "you are wrong". */
const TRANSIENT_CODES = new Set([
    "ECONNREFUSED",
    "ECONNRESET",
    "ETIMEDOUT",
    "EPIPE",
    "EAI_AGAIN",
    "EHOSTUNREACH",
    "ENETUNREACH",
    "ESOCKETTIMEDOUT",
    "UND_ERR_SOCKET",
    "UND_ERR_CONNECT_TIMEOUT",
]);

/** The HTTP status of an API error, if it has one (client-node's ApiException: `code`). */
export function httpStatus(err: unknown): number | undefined {
    const code = (err as { code?: unknown } | undefined)?.code;
    return typeof code === "number" ? code : undefined;
}

/** The network error code of an error or of its causes, e.g. `ECONNREFUSED`. */
export function networkCode(err: unknown): string | undefined {
    for (
        let e = err as { code?: unknown; errno?: unknown; cause?: unknown } | undefined, depth = 0;
        e && depth < 5;
        depth++
    ) {
        if (typeof e.code === "string") return e.code;
        if (typeof e.errno === "string") return e.errno;
        e = e.cause as typeof e;
    }
    return undefined;
}

/**
 * Whether an API call that failed with `err` may succeed if tried again: connection
 * refused or reset, timeouts, 429 Too Many Requests and 5xx server errors.
 */
export function isTransient(err: unknown): boolean {
    const status = httpStatus(err);
    if (status !== undefined) return status === 429 || status >= 500;
    const code = networkCode(err);
    if (code !== undefined) return TRANSIENT_CODES.has(code);
    const message = err instanceof Error ? err.message : String(err);
    return /socket hang up|network timeout|request timed out|ECONNREFUSED|ECONNRESET/i.test(
        message,
    );
}

/** One line saying what an API error was, without a stack trace. */
export function describeError(err: unknown): string {
    const status = httpStatus(err);
    const body = (err as { body?: unknown } | undefined)?.body;
    const serverMessage =
        typeof body === "string"
            ? safeMessage(body)
            : (body as { message?: string } | undefined)?.message;
    if (status !== undefined) return `HTTP ${status}${serverMessage ? `: ${serverMessage}` : ""}`;
    const code = networkCode(err);
    const message = err instanceof Error ? err.message : String(err);
    return code && !message.includes(code) ? `${code}: ${message}` : message;
}

function safeMessage(body: string): string | undefined {
    try {
        return (JSON.parse(body) as { message?: string }).message;
    } catch {
        return body.slice(0, 200) || undefined;
    }
}

/** Thrown when the API could not be reached for the whole retry window. */
export class ApiUnreachable extends Error {
    constructor(
        readonly what: string,
        readonly seconds: number,
        readonly lastError: string,
    ) {
        super(`${what}: no answer for ${seconds} s (last error: ${lastError})`);
        this.name = "ApiUnreachable";
    }
}

/** The clock and the pause a retry loop uses. */
export interface RetryClock {
    now(): number;
    sleep(ms: number): Promise<void>;
}

/** How a retry loop behaves. */
export interface RetryPolicy {
    /** How long to keep trying after the first failure. */
    readonly windowMs: number;
    /** First pause; doubled after each failure up to `maxDelayMs`. */
    readonly initialDelayMs?: number;
    readonly maxDelayMs?: number;
    /** Told about each failure that will be retried. */
    readonly onRetry?: (err: unknown, attempt: number, elapsedMs: number) => void;
}

/**
 * Calls `call` until it succeeds, retrying transient failures with exponential backoff
 * for at most `policy.windowMs` from the first failure. A non-transient failure is
 * thrown at once; past the window an {@link ApiUnreachable} is thrown.
 */
export async function withRetry<T>(
    what: string,
    call: () => Promise<T>,
    policy: RetryPolicy,
    clock: RetryClock,
): Promise<T> {
    let firstFailure: number | undefined;
    let delay = policy.initialDelayMs ?? 500;
    for (let attempt = 1; ; attempt++) {
        try {
            return await call();
        } catch (err) {
            if (!isTransient(err)) throw err;
            const now = clock.now();
            firstFailure ??= now;
            const elapsed = now - firstFailure;
            if (elapsed >= policy.windowMs) {
                throw new ApiUnreachable(what, Math.round(elapsed / 1000), describeError(err));
            }
            policy.onRetry?.(err, attempt, elapsed);
            await clock.sleep(Math.min(delay, policy.windowMs - elapsed));
            delay = Math.min(delay * 2, policy.maxDelayMs ?? 10_000);
        }
    }
}
