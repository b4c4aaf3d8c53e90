import {
    containerSecurityContext,
    executorPodTemplate,
    jobVolumes,
    localDriverPodTemplate,
    podPlacement,
    podSecurityContext,
    secretEnvVars,
} from "../src/lib/podTemplate";
import { piSpec } from "./fixtures/specs";

describe("pod security (Pod Security Standard restricted)", () => {
    it("runs the pod as the image's non-root user with the runtime's seccomp profile", () => {
        expect(podSecurityContext(185)).toEqual({
            runAsNonRoot: true,
            runAsUser: 185,
            runAsGroup: 185,
            fsGroup: 185,
            seccompProfile: { type: "RuntimeDefault" },
        });
    });

    it("gives containers no privilege escalation, no capabilities and a read-only root", () => {
        expect(containerSecurityContext()).toEqual({
            allowPrivilegeEscalation: false,
            capabilities: { drop: ["ALL"] },
            readOnlyRootFilesystem: true,
            runAsNonRoot: true,
        });
    });
});

describe("jobVolumes", () => {
    it("always mounts a writable emptyDir at /tmp (the root filesystem is read-only)", () => {
        expect(jobVolumes(piSpec())).toEqual({
            volumes: [{ name: "tmp", emptyDir: {} }],
            mounts: [{ name: "tmp", mountPath: "/tmp" }],
        });
    });

    it("mounts each kind of volume, ConfigMaps and Secrets read-only", () => {
        const { volumes, mounts } = jobVolumes(
            piSpec({
                volumes: {
                    data: { persistentVolumeClaim: "lake", mountPath: "/data" },
                    scratch: { emptyDir: "2Gi", mountPath: "/scratch" },
                    settings: { configMap: "etl-settings", mountPath: "/etc/etl" },
                    keys: { secret: "etl-keys", mountPath: "/etc/keys" },
                },
            }),
        );
        expect(volumes.slice(1)).toEqual([
            { name: "vol-data", persistentVolumeClaim: { claimName: "lake", readOnly: false } },
            { name: "vol-keys", secret: { secretName: "etl-keys" } },
            { name: "vol-scratch", emptyDir: { sizeLimit: "2Gi" } },
            { name: "vol-settings", configMap: { name: "etl-settings" } },
        ]);
        expect(mounts.slice(1)).toEqual([
            { name: "vol-data", mountPath: "/data" },
            { name: "vol-keys", mountPath: "/etc/keys", readOnly: true },
            { name: "vol-scratch", mountPath: "/scratch" },
            { name: "vol-settings", mountPath: "/etc/etl", readOnly: true },
        ]);
    });

    it("mounts existing Secrets as read-only files", () => {
        const { volumes, mounts } = jobVolumes(
            piSpec({ secretMounts: { "gcs-key": "/var/secrets/gcs" } }),
        );
        expect(volumes).toContainEqual({
            name: "secret-gcs-key",
            secret: { secretName: "gcs-key" },
        });
        expect(mounts).toContainEqual({
            name: "secret-gcs-key",
            mountPath: "/var/secrets/gcs",
            readOnly: true,
        });
    });
});

describe("secretEnvVars", () => {
    it("reads the job's own Secret and existing ones by reference, never by value", () => {
        const spec = piSpec(
            { secretKeyRefs: { DB_PASSWORD: { secret: "warehouse", key: "password" } } },
            {
                secretEnv: {
                    secret: "pi-secret-env",
                    names: ["AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID"],
                },
            },
        );
        expect(secretEnvVars(spec)).toEqual([
            {
                name: "AWS_ACCESS_KEY_ID",
                valueFrom: { secretKeyRef: { name: "pi-secret-env", key: "AWS_ACCESS_KEY_ID" } },
            },
            {
                name: "AWS_SECRET_ACCESS_KEY",
                valueFrom: {
                    secretKeyRef: { name: "pi-secret-env", key: "AWS_SECRET_ACCESS_KEY" },
                },
            },
            {
                name: "DB_PASSWORD",
                valueFrom: { secretKeyRef: { name: "warehouse", key: "password" } },
            },
        ]);
    });
});

describe("podPlacement", () => {
    it("sets nothing for a job without placement", () => {
        expect(podPlacement(piSpec())).toEqual({});
    });

    it("passes nodeSelector, tolerations and node affinity through", () => {
        const affinity = {
            nodeAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: {
                    nodeSelectorTerms: [
                        { matchExpressions: [{ key: "pool", operator: "In", values: ["spark"] }] },
                    ],
                },
            },
        };
        expect(
            podPlacement(
                piSpec({
                    nodeSelector: { "kubernetes.io/arch": "amd64" },
                    tolerations: [{ key: "spark", operator: "Exists", effect: "NoSchedule" }],
                    affinity,
                }),
            ),
        ).toEqual({
            nodeSelector: { "kubernetes.io/arch": "amd64" },
            tolerations: [{ key: "spark", operator: "Exists", effect: "NoSchedule" }],
            affinity,
        });
    });
});

describe("executorPodTemplate", () => {
    const spec = piSpec(
        {
            nodeSelector: { pool: "spark" },
            volumes: { scratch: { emptyDir: "", mountPath: "/scratch" } },
        },
        { secretEnv: { secret: "pi-secret-env", names: ["TOKEN"] } },
    );

    it("is a Pod whose first container Spark fills in, hardened and with the job's volumes, secrets and placement", () => {
        const template = executorPodTemplate(spec);
        expect(template.kind).toBe("Pod");
        expect(template.spec.securityContext).toEqual(podSecurityContext(185));
        expect(template.spec.nodeSelector).toEqual({ pool: "spark" });
        expect(template.spec.volumes).toEqual(jobVolumes(spec).volumes);
        expect(template.spec.containers).toEqual([
            {
                name: "spark-kubernetes-executor",
                securityContext: containerSecurityContext(),
                volumeMounts: jobVolumes(spec).mounts,
                env: secretEnvVars(spec),
            },
        ]);
    });

    it("gives executors no API token: only a driver calls the Kubernetes API", () => {
        expect(executorPodTemplate(spec).spec.automountServiceAccountToken).toBe(false);
        expect(localDriverPodTemplate(spec).spec.automountServiceAccountToken).toBe(true);
    });

    it("differs from the local submitter's driver template only in the container's name and the token", () => {
        const driver = localDriverPodTemplate(spec);
        expect(driver.spec.containers[0].name).toBe("spark-kubernetes-driver");
        expect({ ...driver.spec, containers: [], automountServiceAccountToken: false }).toEqual({
            ...executorPodTemplate(spec).spec,
            containers: [],
        });
    });
});
