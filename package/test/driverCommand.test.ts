/**
 * The driver container's command, run with bash against stand-ins for spark-submit: its
 * exit passes through, a driver that lost the Kubernetes API exits 75, and a stop signal
 * reaches the JVM.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DRIVER_SCRIPT, driverCommand } from "../src/lib/driverCommand";

const homes: string[] = [];
afterAll(() => homes.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

/** A SPARK_HOME whose bin/spark-submit is this shell script. */
function sparkHome(script: string): string {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "spark-home-"));
    homes.push(home);
    fs.mkdirSync(path.join(home, "bin"));
    fs.writeFileSync(path.join(home, "bin", "spark-submit"), `#!/bin/bash\n${script}\n`, {
        mode: 0o755,
    });
    return home;
}

function run(
    home: string,
    onStart?: (pid: number) => void,
): Promise<{ code: number | null; out: string }> {
    return new Promise((resolve) => {
        const [shell, ...args] = driverCommand(["--name", "pi"]);
        const child = spawn(shell, args, { env: { ...process.env, SPARK_HOME: home } });
        let out = "";
        child.stdout.on("data", (c: Buffer) => {
            out += c.toString();
            if (out.includes("started") && onStart && child.pid) onStart(child.pid);
        });
        child.stderr.on("data", (c: Buffer) => (out += c.toString()));
        child.on("close", (code) => resolve({ code, out }));
    });
}

describe("the driver container's command", () => {
    it("runs the image's spark-submit with its arguments and passes a success through", async () => {
        const result = await run(sparkHome('echo "args: $*"; echo "Pi is roughly 3.14"'));
        expect(result).toEqual({ code: 0, out: "args: --name pi\nPi is roughly 3.14\n" });
    });

    it("passes an application's failure through", async () => {
        const result = await run(sparkHome('echo "ValueError: boom" >&2; exit 1'));
        expect(result.code).toBe(1);
        expect(result.out).toContain("ValueError: boom");
    });

    it.each([
        "io.fabric8.kubernetes.client.KubernetesClientException: Failed to connect to kubernetes.default.svc/10.96.0.1:443",
        "Caused by: java.net.ConnectException: Connection refused (kubernetes.default.svc:443)",
        "io.fabric8.kubernetes.client.KubernetesClientException: An error has occurred. java.net.SocketTimeoutException: connect timed out",
    ])("exits 75 when the driver died of a lost Kubernetes API: %s", async (line) => {
        const result = await run(sparkHome(`echo "${line}" >&2; exit 1`));
        expect(result.code).toBe(75);
        expect(result.out).toContain("the driver lost the Kubernetes API");
    });

    it("hands a stop signal to spark-submit and exits as it does", async () => {
        const home = sparkHome(
            "trap 'echo \"got TERM\"; exit 143' TERM; echo started; sleep 30 & wait",
        );
        const result = await run(home, (pid) => process.kill(pid, "SIGTERM"));
        expect(result.code).toBe(143);
        expect(result.out).toContain("got TERM");
    });

    it("is bash, not sh: it needs process substitution and PIPESTATUS-free waits", () => {
        expect(driverCommand([])[0]).toBe("/bin/bash");
        expect(DRIVER_SCRIPT).toContain("> >(tee");
    });
});
