/**
 * Pod sizes: what a job's driver and executors request from the scheduler, as Spark
 * sizes its pods (heap plus overhead), and the check against a declared capacity. Pure.
 */
import type { JobSettings, PodResourceSettings } from "./jobSettings";
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
export function cpuLimit(r: PodResourceSettings): string {
    return r.coreLimit ?? String(r.cores);
}

/** Memory (MiB) of one Spark pod: its heap plus its overhead. */
export function podMemoryMiB(r: PodResourceSettings, app: string): number {
    return (
        (parseSparkMemory(r.memory) ?? 0) +
        memoryOverheadMiB(r.memory, r.memoryOverhead, overheadFactor(app))
    );
}

/**
 * Memory (MiB) Spark adds to each executor pod on top of heap and overhead, from the
 * job's own conf: the Python workers' limit and, when enabled, off-heap memory.
 */
export function executorExtraMiB(conf: Readonly<Record<string, string>>): number {
    const size = (key: string) =>
        conf[key] === undefined ? 0 : (parseSparkMemory(conf[key]) ?? 0);
    const offHeap =
        conf["spark.memory.offHeap.enabled"] === "true" ? size("spark.memory.offHeap.size") : 0;
    return size("spark.executor.pyspark.memory") + offHeap;
}

/** What the driver plus the largest set of executors of a job request from the scheduler. */
export function jobFootprint(job: JobSettings): JobFootprint {
    const executors = job.dynamicAllocation.enabled
        ? job.dynamicAllocation.maxExecutors
        : job.executor.instances;
    const podMiB = (r: PodResourceSettings) => podMemoryMiB(r, job.app);
    const podCpu = (r: PodResourceSettings) =>
        parseK8sQuantity(r.coreRequest ?? String(r.cores)) ?? r.cores;
    return {
        pods: 1 + executors,
        memoryMiB:
            podMiB(job.driver) + executors * (podMiB(job.executor) + executorExtraMiB(job.conf)),
        cpu: podCpu(job.driver) + executors * podCpu(job.executor),
    };
}
