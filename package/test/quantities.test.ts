import { parseK8sQuantity, parseSparkMemory } from "../src/lib/quantities";

describe("quantities", () => {
    it.each([
        ["512m", 512],
        ["2g", 2048],
        ["2G", 2048],
        ["1024", 1024],
        ["1t", 1048576],
        ["512k", 0.5],
        ["1gb", 1024],
    ])("reads Spark memory %s as %d MiB", (s, mib) => {
        expect(parseSparkMemory(s)).toBe(mib);
    });
    it.each(["", "m", "1.5g", "-1m", "2 g", "1x"])("refuses Spark memory %j", (s) =>
        expect(parseSparkMemory(s)).toBeUndefined(),
    );
    it.each([
        ["250m", 0.25],
        ["0.5", 0.5],
        ["2", 2],
        ["1814Mi", 1814 * 2 ** 20],
        ["1Gi", 2 ** 30],
        ["1k", 1000],
    ])("reads quantity %s", (s, v) => {
        expect(parseK8sQuantity(s)).toBeCloseTo(v);
    });
    it.each(["", "1 Gi", "abc", "1mi", "-1"])("refuses quantity %j", (s) =>
        expect(parseK8sQuantity(s)).toBeUndefined(),
    );
});
