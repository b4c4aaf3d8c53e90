// Preloaded (node --require) into the plugin processes the toolchain starts with node:
// when the process that started this one has died (the pulumi CLI was killed), kill
// this process's group (when it leads one) and exit, instead of serving an abandoned
// port. The timer is unref'd: it never keeps the process alive.
"use strict";
const parent = process.ppid;
if (parent > 1) {
    setInterval(() => {
        if (process.ppid === parent) return;
        try {
            process.kill(-process.pid, "SIGKILL");
        } catch {
            // not a process group leader: only this process exits
        }
        process.exit(1);
    }, 500).unref();
}
