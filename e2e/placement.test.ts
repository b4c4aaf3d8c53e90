/**
 * A job's volumes and placement reach both the driver (the Job's pod) and the executors
 * (Spark's pod template): an existing ConfigMap and a scratch emptyDir, a nodeSelector
 * and a toleration, as the API server has the pods.
 */
import { kubectl, kubectlItems } from "./etl";
import { Case } from "./harness";

describe("volumes and placement", () => {
    let c: Case;
    const podsSeen = new Map<string, Record<string, unknown>>();
    beforeAll(() => {
        c = new Case("placement", {
            // The namespace is made here, with the ConfigMap the job mounts, before the run.
            createNamespace: false,
            jobs: {
                pi: {
                    app: "jobs/pi.py",
                    args: ["2", "5000000"],
                    resultPattern: "Pi is roughly [0-9.]+",
                    driver: { coreRequest: "250m", memoryOverhead: "256m" },
                    executor: { instances: 2, coreRequest: "250m", memoryOverhead: "256m" },
                    volumes: {
                        settings: { configMap: "pi-settings", mountPath: "/etc/pi" },
                        scratch: { emptyDir: "64Mi", mountPath: "/scratch" },
                    },
                    nodeSelector: { "kubernetes.io/hostname": "psk-node" },
                    tolerations: [{ key: "psk-e2e", operator: "Exists", effect: "NoSchedule" }],
                },
            },
        });
    });
    afterAll(() => {
        c.destroy();
        kubectl("delete", "namespace", c.namespace, "--wait=false");
    });

    it("mounts them and places the driver and the executors as asked", async () => {
        kubectl("create", "namespace", c.namespace);
        kubectl("label", "namespace", c.namespace, "pod-security.kubernetes.io/enforce=restricted");
        kubectl("-n", c.namespace, "create", "configmap", "pi-settings", "--from-literal=mode=e2e");
        const running = c.start("up", "--yes", "--skip-preview");
        while (running.child.exitCode === null) {
            for (const pod of kubectlItems("pods", "-n", c.namespace, "-l", "pyspark-k8s/job=pi"))
                podsSeen.set((pod.metadata as { name: string }).name, pod);
            await new Promise((resolve) => setTimeout(resolve, 500));
        }
        const up = await running.done;
        if (up.code !== 0) throw new Error(up.output);
        const roles = [...podsSeen.values()].map(
            (p) => (p.metadata as { labels: Record<string, string> }).labels["spark-role"],
        );
        expect(new Set(roles)).toEqual(new Set(["driver", "executor"]));
        for (const pod of podsSeen.values()) {
            const spec = pod.spec as {
                containers: { volumeMounts?: { mountPath: string }[] }[];
                nodeSelector?: Record<string, string>;
                tolerations?: { key?: string }[];
            };
            expect(spec.nodeSelector).toEqual({ "kubernetes.io/hostname": "psk-node" });
            expect(spec.tolerations?.map((t) => t.key)).toContain("psk-e2e");
            expect(spec.containers[0].volumeMounts?.map((m) => m.mountPath)).toEqual(
                expect.arrayContaining(["/tmp", "/etc/pi", "/scratch"]),
            );
        }
    });
});
