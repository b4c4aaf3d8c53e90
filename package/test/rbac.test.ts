import { DRIVER_RESOURCES, sparkDriverRules } from "../src/lib/rbac";

describe("sparkDriverRules", () => {
    it("grants the driver every verb it needs on pods, services, configmaps and PVCs, and no made-up verb", () => {
        expect(sparkDriverRules()).toEqual([
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
        expect(DRIVER_RESOURCES).not.toContain("secrets");
    });
});
