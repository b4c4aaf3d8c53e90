/**
 * Jest shows a test file's console output only when the file ends: each case says on
 * stderr when it starts and how long it took, as it happens.
 */
let started = 0;
beforeEach(() => {
    started = Date.now();
    process.stderr.write(
        `[e2e ${new Date().toISOString().slice(11, 19)}] ${expect.getState().currentTestName}\n`,
    );
});
afterEach(() => {
    // A case whose setup failed never started.
    if (started === 0) return;
    process.stderr.write(`[e2e] ... ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    started = 0;
});
