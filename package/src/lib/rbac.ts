/**
 * The RBAC rules the Spark driver needs, as plain data.
 *
 * In cluster mode the driver pod, running under its ServiceAccount, creates, watches
 * and deletes its executor pods, the headless service executors reach it through,
 * its config maps and (with dynamic volumes) PVCs. `post` is not a Kubernetes verb;
 * `deletecollection` and `patch` are needed (executor clean-up, label updates).
 */

/** A PolicyRule as the Kubernetes API takes it. */
export interface PolicyRule {
    readonly apiGroups: readonly string[];
    readonly resources: readonly string[];
    readonly verbs: readonly string[];
}

/** Every verb the Kubernetes API server authorizes on resources. */
export const KUBERNETES_VERBS: readonly string[] = [
    "get",
    "list",
    "watch",
    "create",
    "update",
    "patch",
    "delete",
    "deletecollection",
];

/** What the driver manages in its namespace. */
export const DRIVER_RESOURCES: readonly string[] = [
    "pods",
    "services",
    "configmaps",
    "persistentvolumeclaims",
];

/** The rules of the driver's ClusterRole. */
export function sparkDriverRules(): PolicyRule[] {
    return [{ apiGroups: [""], resources: [...DRIVER_RESOURCES], verbs: [...KUBERNETES_VERBS] }];
}
