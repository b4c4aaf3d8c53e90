/**
 * How to start one of the package's own Node programs (the runner, the credential
 * wrapper) as a child process: the compiled JavaScript next to the caller, run by the
 * same Node binary. Only when the package runs from its TypeScript sources (its own
 * tests) is there no JavaScript, and ts-node runs the source instead.
 */
import * as fs from "fs";
import * as path from "path";

/** argv that runs `<dir>/<name>.js` (or, from sources, `<dir>/<name>.ts`). */
export function nodeScript(dir: string, name: string): string[] {
    const js = path.join(dir, `${name}.js`);
    if (fs.existsSync(js)) return [process.execPath, js];
    const ts = path.join(dir, `${name}.ts`);
    const register = require.resolve("ts-node/register/transpile-only", { paths: [dir] });
    return [process.execPath, "-r", register, ts];
}
