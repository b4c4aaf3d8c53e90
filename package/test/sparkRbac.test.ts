// componentMocks first: it installs the mocks before any component is loaded.
import { childOf, registered } from "./componentMocks";
import * as k8s from "@pulumi/kubernetes";
import { POD_SECURITY_LABELS, SparkRbac } from "../src/components/sparkRbac";
import { only, settle, valueOf } from "./mocks";

describe("SparkRbac", () => {
    it("creates namespace, service account, cluster role and cluster role binding, all children of the component", async () => {
        const rbac = new SparkRbac("spark", {
            namespace: "spark-jobs",
            createNamespace: true,
            serviceAccountName: "spark-driver",
            binding: "cluster",
            labels: { team: "data" },
        });
        expect(await valueOf(rbac.namespace)).toBe("spark-jobs");
        expect(await valueOf(rbac.serviceAccountName)).toBe("spark-driver");
        await settle();

        const ns = only(registered, "kubernetes:core/v1:Namespace", "spark-ns");
        // A namespace the stack creates enforces Pod Security `restricted`.
        expect(ns.inputs.metadata).toEqual({
            name: "spark-jobs",
            labels: { team: "data", ...POD_SECURITY_LABELS },
        });
        expect(ns.inputs.metadata.labels["pod-security.kubernetes.io/enforce"]).toBe("restricted");
        const sa = only(registered, "kubernetes:core/v1:ServiceAccount", "spark-sa");
        expect(sa.inputs.metadata).toEqual({
            name: "spark-driver",
            namespace: "spark-jobs",
            labels: { team: "data" },
        });
        const role = only(
            registered,
            "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
            "spark-role",
        );
        expect(role.inputs.rules).toEqual([
            {
                apiGroups: [""],
                resources: ["pods", "services", "configmaps", "persistentvolumeclaims"],
                verbs: [
                    "get",
                    "list",
                    "watch",
                    "create",
                    "update",
                    "patch",
                    "delete",
                    "deletecollection",
                ],
            },
        ]);
        const binding = only(
            registered,
            "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
            "spark-binding",
        );
        expect(binding.inputs.roleRef).toEqual({
            apiGroup: "rbac.authorization.k8s.io",
            kind: "ClusterRole",
            name: "spark-role-abc123",
        });
        expect(binding.inputs.subjects).toEqual([
            { kind: "ServiceAccount", name: "spark-driver", namespace: "spark-jobs" },
        ]);
        expect(
            registered.filter(
                (r) => r.type === "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
            ),
        ).toHaveLength(0);
        for (const child of [ns, sa, role, binding])
            expect(childOf(child, "pyspark-k8s:rbac:SparkRbac", "spark")).toBe(true);
        expect(rbac.bindingKind).toBe("ClusterRoleBinding");
    });

    it("binds with a namespaced RoleBinding for least privilege, and leaves an existing namespace alone", async () => {
        const rbac = new SparkRbac("prod", {
            namespace: "spark-prod",
            createNamespace: false,
            serviceAccountName: "runner",
            binding: "namespace",
        });
        await valueOf(rbac.bindingName);
        await settle();
        expect(registered.filter((r) => r.type === "kubernetes:core/v1:Namespace")).toHaveLength(0);
        expect(
            registered.filter(
                (r) => r.type === "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
            ),
        ).toHaveLength(0);
        const binding = only(
            registered,
            "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
            "prod-binding",
        );
        expect(binding.inputs.metadata.namespace).toBe("spark-prod");
        expect(binding.inputs.roleRef).toEqual({
            apiGroup: "rbac.authorization.k8s.io",
            kind: "ClusterRole",
            name: "prod-role-abc123",
        });
        expect(binding.inputs.subjects).toEqual([
            { kind: "ServiceAccount", name: "runner", namespace: "spark-prod" },
        ]);
        expect(
            only(registered, "kubernetes:core/v1:ServiceAccount").inputs.metadata.namespace,
        ).toBe("spark-prod");
        expect(rbac.bindingKind).toBe("RoleBinding");
    });

    it("passes the provider from opts to every child", async () => {
        const provider = new k8s.Provider("cluster", { context: "ctx" });
        const rbac = new SparkRbac(
            "p",
            {
                namespace: "ns",
                createNamespace: true,
                serviceAccountName: "sa",
                binding: "cluster",
            },
            { providers: { kubernetes: provider } },
        );
        await valueOf(rbac.bindingName);
        await settle();
        const children = registered.filter(
            (r) => r.type.startsWith("kubernetes:") && r.type !== "pulumi:providers:kubernetes",
        );
        expect(children).toHaveLength(4);
        for (const child of children) expect(child.provider).toMatch(/::cluster::cluster-id$/);
    });

    it("annotates and labels the ServiceAccount for cloud identity (EKS IRSA, GKE Workload Identity)", async () => {
        const rbac = new SparkRbac("spark", {
            namespace: "spark-jobs",
            createNamespace: false,
            serviceAccountName: "spark-driver",
            binding: "namespace",
            labels: { team: "data" },
            serviceAccountAnnotations: {
                "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/spark-etl",
            },
            serviceAccountLabels: { "azure.workload.identity/use": "true" },
        });
        await valueOf(rbac.serviceAccountName);
        const sa = only(registered, "kubernetes:core/v1:ServiceAccount", "spark-sa");
        expect(await valueOf(sa.inputs.metadata)).toEqual({
            name: "spark-driver",
            namespace: "spark-jobs",
            labels: { team: "data", "azure.workload.identity/use": "true" },
            annotations: {
                "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/spark-etl",
            },
        });
    });
});
