/**
 * Pod sizes: what a job's driver and executors request from the scheduler, as Spark
 * sizes its pods (heap plus overhead), and the check against a declared capacity. Pure.
 */
import { ConfigProblem, keyOf } from "./configProblems";
import type { JobConfig, StackConfig } from "./configSchema";
import { parseK8sQuantity, parseSparkMemory } from "./quantities";

/** Memory (MiB) and CPU (cores) that every pod of a job requests at once. */
export interface JobFootprint {
    readonly cpu: number;
    readonly memoryMiB: number;
    readonly pods: number;
}

/**
 * Spark's default memory overhead factor on Kubernetes: 10% of the heap for JVM
 * applications, 40% for Python (and R) ones, whose workers live outside the heap.
 */
export function overheadFactor(app: string): number {
    return /\.(py|R)$/i.test(app) ? 0.4 : 0.1;
}

/** Spark's default overhead, at least 384 MiB, unless the job sets its own. */
export function memoryOverheadMiB(
    memory: string,
    overhead: string | undefined,
    factor: number,
): number {
    if (overhead !== undefined) return parseSparkMemory(overhead) ?? 0;
    const heap = parseSparkMemory(memory) ?? 0;
    return Math.max(Math.floor(heap * factor), 384);
}

/** A Spark pod's CPU limit: `coreLimit`, or else its Spark cores (the threads it runs). */
export function cpuLimit(r: JobConfig["driver"]): string {
    return r.coreLimit ?? String(r.cores);
}

/** Memory (MiB) of one Spark pod: its heap plus its overhead. */
export function podMemoryMiB(r: JobConfig["driver"], app: string): number {
    return (
        (parseSparkMemory(r.memory) ?? 0) +
        memoryOverheadMiB(r.memory, r.memoryOverhead, overheadFactor(app))
    );
}

/** What the driver plus the largest set of executors of a job request from the scheduler. */
export function jobFootprint(job: JobConfig): JobFootprint {
    const executors = job.dynamicAllocation.enabled
        ? job.dynamicAllocation.maxExecutors
        : job.executor.instances;
    const podMiB = (r: JobConfig["driver"]) => podMemoryMiB(r, job.app);
    const podCpu = (r: JobConfig["driver"]) =>
        parseK8sQuantity(r.coreRequest ?? String(r.cores)) ?? r.cores;
    return {
        pods: 1 + executors,
        memoryMiB: podMiB(job.driver) + executors * podMiB(job.executor),
        cpu: podCpu(job.driver) + executors * podCpu(job.executor),
    };
}

export function capacityProblems(config: StackConfig): ConfigProblem[] {
    const capacity = config.cluster.capacity;
    if (!capacity) return [];
    const cpu = parseK8sQuantity(capacity.cpu) ?? 0;
    const memoryMiB = (parseK8sQuantity(capacity.memory) ?? 0) / (1024 * 1024);
    const problems: ConfigProblem[] = [];
    for (const [name, job] of Object.entries(config.jobs)) {
        const need = jobFootprint(job);
        if (need.memoryMiB > memoryMiB) {
            problems.push({
                key: keyOf(["jobs", name]),
                message: `its ${need.pods} pods request ${need.memoryMiB}Mi of memory but cluster.capacity.memory is ${capacity.memory} (${Math.floor(memoryMiB)}Mi): some would stay Pending; lower executor.instances, memory or memoryOverhead`,
            });
        }
        if (need.cpu > cpu + 1e-9) {
            problems.push({
                key: keyOf(["jobs", name]),
                message: `its ${need.pods} pods request ${need.cpu} CPU but cluster.capacity.cpu is ${capacity.cpu}: some would stay Pending; lower executor.instances or set coreRequest`,
            });
        }
    }
    return problems;
}
