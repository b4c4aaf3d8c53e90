/**
 * Stand-ins for the cluster and for spark-submit, to test the job runner's pass/fail
 * logic without either. The cluster is an in-memory store of pods (and owned objects)
 * whose driver follows a scripted life; time is virtual.
 */
import type { PodView } from "../src/lib/driverState";
import type { KubeApi, RunnerDeps, SubmitExit, SubmitProcess } from "../src/runner/runner";

/** One phase of the scripted driver's life, lasting `seconds` of virtual time. */
export interface DriverPhase {
    readonly seconds: number;
    readonly status: PodView["status"];
    /** Executor pods (by suffix) that exist and run during this phase. */
    readonly executors?: number;
}

interface StoredObject {
    metadata: {
        name: string;
        uid: string;
        labels: Record<string, string>;
        ownerReferences?: { uid: string }[];
    };
    status?: PodView["status"];
}

export const pending = (reason?: { reason: string; message: string }): DriverPhase["status"] =>
    reason
        ? {
              phase: "Pending",
              containerStatuses: [{ name: "spark-kubernetes-driver", state: { waiting: reason } }],
          }
        : { phase: "Pending", conditions: [{ type: "PodScheduled", status: "True" }] };
export const unschedulable = (message: string): DriverPhase["status"] => ({
    phase: "Pending",
    conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable", message }],
});
export const running: DriverPhase["status"] = {
    phase: "Running",
    containerStatuses: [
        { name: "spark-kubernetes-driver", state: { running: { startedAt: "now" } } },
    ],
};
export const terminated = (exitCode: number, reason: string): DriverPhase["status"] => ({
    phase: exitCode === 0 ? "Succeeded" : "Failed",
    containerStatuses: [
        { name: "spark-kubernetes-driver", state: { terminated: { exitCode, reason } } },
    ],
});

/** An in-memory namespace with a scripted driver; also a virtual clock. */
export class FakeCluster implements KubeApi {
    now = 0;
    readonly objects = new Map<string, StoredObject>();
    readonly deleted: string[] = [];
    private script: DriverPhase[] = [];
    private driverName?: string;
    private driverLabels: Record<string, string> = {};
    private createdAt = 0;
    private uidSeq = 0;
    log = "";

    constructor(readonly namespace: string) {}

    private key(resource: string, name: string): string {
        return `${resource}/${name}`;
    }

    /** What spark-submit does: create the driver pod (and its service and config map). */
    createDriver(name: string, labels: Record<string, string>, script: DriverPhase[]): void {
        this.driverName = name;
        this.driverLabels = labels;
        this.script = script;
        this.createdAt = this.now;
        const uid = `uid-${++this.uidSeq}`;
        this.objects.set(this.key("pods", name), {
            metadata: { name, uid, labels: { ...labels, "spark-role": "driver" } },
        });
        this.objects.set(this.key("services", `${name}-svc`), {
            metadata: {
                name: `${name}-svc`,
                uid: `uid-${++this.uidSeq}`,
                labels: {},
                ownerReferences: [{ uid }],
            },
        });
        this.objects.set(this.key("configmaps", `${name}-conf`), {
            metadata: {
                name: `${name}-conf`,
                uid: `uid-${++this.uidSeq}`,
                labels: {},
                ownerReferences: [{ uid }],
            },
        });
    }

    /** Advances the scripted driver to the phase for the current virtual time. */
    private tick(): void {
        if (!this.driverName) return;
        const driver = this.objects.get(this.key("pods", this.driverName));
        if (!driver) return;
        let t = this.createdAt;
        let phase = this.script[this.script.length - 1];
        for (const p of this.script) {
            if (this.now < t + p.seconds * 1000) {
                phase = p;
                break;
            }
            t += p.seconds * 1000;
        }
        driver.status = phase.status;
        for (let i = 1; i <= (phase.executors ?? 0); i++) {
            const name = `${this.driverName.replace(/-driver$/, "")}-exec-${i}`;
            const k = this.key("pods", name);
            if (!this.objects.has(k) && !this.deleted.includes(k)) {
                this.objects.set(k, {
                    metadata: {
                        name,
                        uid: `uid-${++this.uidSeq}`,
                        labels: { ...this.driverLabels, "spark-role": "executor" },
                        ownerReferences: [{ uid: driver.metadata.uid }],
                    },
                    status: running,
                });
            }
        }
    }

    get<T>(_ns: string, resource: string, name: string): Promise<T | undefined> {
        this.tick();
        return Promise.resolve(this.objects.get(this.key(resource, name)) as T | undefined);
    }

    list<T>(_ns: string, resource: string, labelSelector?: string): Promise<T[]> {
        this.tick();
        const wanted = (labelSelector ?? "")
            .split(",")
            .filter(Boolean)
            .map((kv) => kv.split("="));
        const items = [...this.objects.entries()]
            .filter(([k]) => k.startsWith(`${resource}/`))
            .map(([, o]) => o)
            .filter((o) => wanted.every(([k, v]) => o.metadata.labels[k] === v));
        return Promise.resolve(items as T[]);
    }

    podLog(): Promise<string> {
        return Promise.resolve(this.log);
    }

    delete(_ns: string, resource: string, name: string): Promise<void> {
        const k = this.key(resource, name);
        if (this.objects.delete(k)) this.deleted.push(k);
        return Promise.resolve();
    }

    /** Names of the remaining objects of a resource kind. */
    remaining(resource: string): string[] {
        return [...this.objects.keys()]
            .filter((k) => k.startsWith(`${resource}/`))
            .map((k) => k.slice(resource.length + 1));
    }
}

/** How the stand-in spark-submit behaves. */
export interface SubmitScript {
    /** Exit code; the driver is created only when it is 0 (as a refused pod creation exits 1). */
    readonly exitCode: number;
    readonly output?: string;
    /** The driver's life, if spark-submit creates one. */
    readonly driver?: DriverPhase[];
    /** Seconds spark-submit takes before creating the driver and exiting. */
    readonly seconds?: number;
}

/** Runner dependencies wired to a FakeCluster and a stand-in spark-submit. */
export function fakeDeps(
    cluster: FakeCluster,
    submit: SubmitScript,
): RunnerDeps & { submittedArgs: string[][]; killed: number; logs: string[] } {
    const deps = {
        submittedArgs: [] as string[][],
        killed: 0,
        logs: [] as string[],
        kube: cluster,
        startSubmit(args: readonly string[]): SubmitProcess {
            deps.submittedArgs.push([...args]);
            const conf = (key: string) =>
                args.find((a) => a.startsWith(`${key}=`))?.slice(key.length + 1);
            const exited = new Promise<SubmitExit>((resolve) => {
                const finish = () => {
                    if (submit.exitCode === 0 && submit.driver) {
                        const labels: Record<string, string> = {};
                        for (const a of args) {
                            const m = /^spark\.kubernetes\.driver\.label\.([^=]+)=(.*)$/.exec(a);
                            if (m) labels[m[1]] = m[2];
                        }
                        cluster.createDriver(
                            conf("spark.kubernetes.driver.pod.name") ?? "missing",
                            labels,
                            submit.driver,
                        );
                    }
                    resolve({ code: submit.exitCode, output: submit.output ?? "" });
                };
                const due = cluster.now + (submit.seconds ?? 1) * 1000;
                const wait = () => (cluster.now >= due ? finish() : setImmediate(wait));
                wait();
            });
            return { exited, kill: () => deps.killed++ };
        },
        now: () => cluster.now,
        sleep: (ms: number) => {
            cluster.now += ms;
            return new Promise<void>((resolve) => setImmediate(resolve));
        },
        log: (message: string) => deps.logs.push(message),
        newRunTag: () => "run1",
        writePodTemplates: () => "/tmp/pod-templates",
        pollMs: 1000,
        cleanupTimeoutMs: 10_000,
    };
    return deps;
}
