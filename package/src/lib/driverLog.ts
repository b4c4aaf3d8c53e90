/** Reading the driver log: the result line and the tail shown on failure. */

/** How much of the driver log is read for the result line. */
export const LOG_LINES_FOR_RESULT = 5000;
/** How much of it a failure message shows. */
export const LOG_LINES_ON_FAILURE = 40;

/**
 * Picks the result from a driver log: the last line matching `pattern`; its first
 * capture group if the pattern has one, else the whole line, trimmed.
 */
export function extractResult(log: string, pattern: string): string | undefined {
    const regex = new RegExp(pattern);
    let found: string | undefined;
    for (const line of log.split(/\r?\n/)) {
        const match = regex.exec(line);
        if (match) found = (match[1] ?? line).trim();
    }
    return found;
}

/** The last `lines` non-empty lines of a log. */
export function logTail(log: string, lines: number): string {
    const all = log.split(/\r?\n/).filter((line) => line.trim().length > 0);
    return all.slice(-lines).join("\n");
}

/**
 * The most telling line of a failed Python driver: the exception line of the last
 * traceback (e.g. `ValueError: boom`), if any.
 */
export function pythonError(log: string): string | undefined {
    const lines = log.split(/\r?\n/);
    let inTraceback = false;
    let last: string | undefined;
    for (const line of lines) {
        if (line.startsWith("Traceback (most recent call last):")) {
            inTraceback = true;
            continue;
        }
        if (inTraceback && line.length > 0 && !line.startsWith(" ")) {
            last = line.trim();
            inTraceback = false;
        }
    }
    return last;
}

/**
 * How many executors registered with the driver, from its log (Spark logs one line
 * per executor: `Registered executor ... with ID <n>`). Read after the fact, it counts
 * executors that Spark has already deleted.
 */
export function registeredExecutors(log: string): number {
    const ids = new Set<string>();
    for (const match of log.matchAll(/Registered executor .* with ID (\d+)/g)) ids.add(match[1]);
    return ids.size;
}
