/**
 * Noticing that the process which started this one is gone (a killed `pulumi up`):
 * its pipes are closed and nobody reads what this process says, so it must stop
 * rather than run on, or spin on writes that fail.
 */

/** How often the parent is checked. */
const CHECK_MS = 1000;

/**
 * Calls `onGone` once when this process's parent exits (it is then re-parented) or when
 * its stderr pipe breaks. The check does not keep the process alive.
 */
export function watchParent(onGone: () => void, check: () => number = () => process.ppid): void {
    const parent = check();
    let gone = false;
    const once = () => {
        if (gone) return;
        gone = true;
        clearInterval(timer);
        onGone();
    };
    const timer = setInterval(() => {
        if (check() !== parent) once();
    }, CHECK_MS);
    timer.unref();
    process.stderr.on("error", once);
}
