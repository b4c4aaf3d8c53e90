import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { SparkRbacSettings, sparkRbacProblems, validOrThrow } from "../lib/componentArgs";
import { sparkDriverRules } from "../lib/rbac";
import { InvalidArgumentsError } from "../lib/problems";
import { problemsKnownNow } from "./knownNow";

/** How the driver's ClusterRole is bound. */
export const RbacBinding = {
    /** A RoleBinding in the namespace only: the driver manages pods there alone (least privilege). */
    namespace: "namespace",
    /** A ClusterRoleBinding: the driver may manage pods in every namespace. */
    cluster: "cluster",
} as const;
export type RbacBinding = (typeof RbacBinding)[keyof typeof RbacBinding];

/** Arguments of {@link SparkRbac}. */
export interface SparkRbacArgs {
    /** Namespace the Spark drivers and executors run in (a DNS-1123 label). */
    readonly namespace: pulumi.Input<string>;
    /**
     * Create the namespace, enforcing Pod Security `restricted` (and delete it on destroy);
     * otherwise it must exist. Default: `true`.
     */
    readonly createNamespace?: boolean;
    /** Name of the ServiceAccount the driver runs as. Default: `spark-driver`. */
    readonly serviceAccountName?: pulumi.Input<string>;
    /** How the driver's ClusterRole is bound. Default: `namespace`. */
    readonly binding?: RbacBinding;
    /** Labels added to every object. */
    readonly labels?: pulumi.Input<{ [key: string]: pulumi.Input<string> }>;
    /**
     * Annotations of the ServiceAccount, for cloud identity: EKS IRSA
     * (`eks.amazonaws.com/role-arn`), GKE Workload Identity (`iam.gke.io/gcp-service-account`).
     */
    readonly serviceAccountAnnotations?: pulumi.Input<{ [key: string]: pulumi.Input<string> }>;
    /** Labels of the ServiceAccount, on top of `labels` (e.g. `azure.workload.identity/use`). */
    readonly serviceAccountLabels?: pulumi.Input<{ [key: string]: pulumi.Input<string> }>;
}

/** Valid values of the names, for checking the rest before they resolve. */
const STAND_INS = { namespace: "stand-in", serviceAccountName: "stand-in" };

/**
 * Labels of a namespace the stack creates: Pod Security admission enforces (and warns and
 * audits) the `restricted` standard on every pod in it.
 */
export const POD_SECURITY_LABELS: Readonly<Record<string, string>> = {
    "pod-security.kubernetes.io/enforce": "restricted",
    "pod-security.kubernetes.io/enforce-version": "latest",
    "pod-security.kubernetes.io/warn": "restricted",
    "pod-security.kubernetes.io/audit": "restricted",
};

/**
 * The identity of the Spark driver: a ServiceAccount (annotated for cloud identity if
 * asked), a ClusterRole with the rules the driver needs (pods, services, configmaps, PVCs:
 * get, list, watch, create, update, patch, delete, deletecollection), and a namespaced
 * RoleBinding or a ClusterRoleBinding to it; optionally the namespace itself, which then
 * enforces Pod Security `restricted`.
 */
export class SparkRbac extends pulumi.ComponentResource {
    /** The namespace's name (created here or not). */
    public readonly namespace: pulumi.Output<string>;
    /** The driver's ServiceAccount name. */
    public readonly serviceAccountName: pulumi.Output<string>;
    /** The ClusterRole's (generated) name. */
    public readonly clusterRoleName: pulumi.Output<string>;
    /** The binding's kind: ClusterRoleBinding or RoleBinding. */
    public readonly bindingKind: string;
    /** The binding's (generated) name. */
    public readonly bindingName: pulumi.Output<string>;

    constructor(name: string, args: SparkRbacArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pyspark-k8s:rbac:SparkRbac", name, {}, opts);
        // What is known now is checked now: the namespace is often another resource's output.
        const now = problemsKnownNow(sparkRbacProblems, args, STAND_INS);
        if (now.length > 0) throw new InvalidArgumentsError("SparkRbac", name, now);
        const valid: pulumi.Output<SparkRbacSettings> = pulumi
            .output(args)
            .apply((raw) => validOrThrow("SparkRbac", name, sparkRbacProblems(raw)));
        const labels = valid.labels;

        const namespace =
            args.createNamespace !== false
                ? new k8s.core.v1.Namespace(
                      `${name}-ns`,
                      {
                          metadata: {
                              name: valid.namespace,
                              labels: pulumi
                                  .output(labels)
                                  .apply((l) => ({ ...l, ...POD_SECURITY_LABELS })),
                          },
                      },
                      { parent: this },
                  )
                : undefined;
        this.namespace = namespace ? namespace.metadata.name : valid.namespace;

        const serviceAccount = new k8s.core.v1.ServiceAccount(
            `${name}-sa`,
            {
                metadata: {
                    name: valid.serviceAccountName,
                    namespace: this.namespace,
                    labels: valid.apply((v) => ({ ...v.labels, ...v.serviceAccountLabels })),
                    // None rather than an empty map, as a ServiceAccount without annotations has.
                    annotations: valid.apply((v) =>
                        Object.keys(v.serviceAccountAnnotations).length > 0
                            ? v.serviceAccountAnnotations
                            : undefined,
                    ) as pulumi.Output<Record<string, string>>,
                },
            },
            { parent: this },
        );
        this.serviceAccountName = serviceAccount.metadata.name;

        const role = new k8s.rbac.v1.ClusterRole(
            `${name}-role`,
            {
                metadata: { labels },
                rules: sparkDriverRules().map((rule) => ({
                    apiGroups: [...rule.apiGroups],
                    resources: [...rule.resources],
                    verbs: [...rule.verbs],
                })),
            },
            { parent: this },
        );
        this.clusterRoleName = role.metadata.name;

        const roleRef = {
            apiGroup: "rbac.authorization.k8s.io",
            kind: "ClusterRole",
            name: role.metadata.name,
        };
        const subjects = [
            {
                kind: "ServiceAccount",
                name: serviceAccount.metadata.name,
                namespace: this.namespace,
            },
        ];
        if (args.binding === RbacBinding.cluster) {
            const binding = new k8s.rbac.v1.ClusterRoleBinding(
                `${name}-binding`,
                { metadata: { labels }, roleRef, subjects },
                { parent: this },
            );
            this.bindingKind = "ClusterRoleBinding";
            this.bindingName = binding.metadata.name;
        } else {
            const binding = new k8s.rbac.v1.RoleBinding(
                `${name}-binding`,
                { metadata: { namespace: this.namespace, labels }, roleRef, subjects },
                { parent: this },
            );
            this.bindingKind = "RoleBinding";
            this.bindingName = binding.metadata.name;
        }

        this.registerOutputs({
            namespace: this.namespace,
            serviceAccountName: this.serviceAccountName,
            clusterRoleName: this.clusterRoleName,
            bindingName: this.bindingName,
        });
    }
}
