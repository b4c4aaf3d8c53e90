/**
 * Parsing of the two size notations a stack uses: Spark's JVM memory strings
 * (`512m`, `2g`) and Kubernetes quantities (`250m` CPU, `1814Mi` memory).
 */

const SPARK_MEMORY = /^([0-9]+)([kmgt]?)b?$/i;
const SPARK_UNIT_MIB: Record<string, number> = {
    "": 1,
    k: 1 / 1024,
    m: 1,
    g: 1024,
    t: 1024 * 1024,
};

/**
 * Parses a Spark memory string to MiB. A bare number means MiB, as Spark reads
 * `spark.{driver,executor}.memory`.
 *
 * @returns MiB, or undefined when the string is not a Spark memory size.
 */
export function parseSparkMemory(value: string): number | undefined {
    const match = SPARK_MEMORY.exec(value.trim());
    if (!match) return undefined;
    const [, digits, unit] = match;
    return Number(digits) * SPARK_UNIT_MIB[unit.toLowerCase()];
}

const K8S_QUANTITY = /^([0-9]+(?:\.[0-9]+)?|\.[0-9]+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;
const K8S_SUFFIX: Record<string, number> = {
    "": 1,
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    P: 1e15,
    E: 1e18,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
    Pi: 2 ** 50,
    Ei: 2 ** 60,
};

/**
 * Parses a Kubernetes quantity to a plain number (cores for CPU, bytes for memory).
 *
 * @returns the value, or undefined when the string is not a quantity.
 */
export function parseK8sQuantity(value: string): number | undefined {
    const match = K8S_QUANTITY.exec(value.trim());
    if (!match) return undefined;
    return Number(match[1]) * K8S_SUFFIX[match[2] ?? ""];
}
