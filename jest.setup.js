// Jest runs each test file in its own VM realm, whose Symbol lacks the Symbol.dispose that
// Node 22 adds to its main realm only. undici (under @kubernetes/client-node 2.x) reads
// Symbol.dispose in the test's realm to call what Node's addAbortListener returns, so the
// test realm gets the main realm's symbol.
const { addAbortListener } = require("node:events");
if (Symbol.dispose === undefined) {
    const disposable = addAbortListener(new AbortController().signal, () => undefined);
    const dispose = Object.getOwnPropertySymbols(disposable)[0];
    if (dispose) Object.defineProperty(Symbol, "dispose", { value: dispose });
}
