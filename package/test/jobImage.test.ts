// componentMocks first: it installs the mocks before any component is loaded.
import { DIGEST_REF, IMAGE_BUILD, childOf, registered } from "./componentMocks";
import * as pulumi from "@pulumi/pulumi";
import { JobImage } from "../src/components/jobImage";
import { only, secretValue, settle, valueOf } from "./mocks";

describe("JobImage", () => {
    it("builds and pushes with the Docker provider and outputs the digest reference", async () => {
        const image = new JobImage("img", {
            mode: "docker",
            registry: "registry.example.com",
            repository: "data/jobs",
            tag: "v1",
            baseImage: "apache/spark:3.5.7-python3",
            jars: ["org.apache.hadoop:hadoop-aws:3.3.4", "org.example:extra:1.0"],
            context: "app",
            dockerfile: "app/Dockerfile",
            platform: "linux/amd64",
            registryUsername: "deployer",
            registryPassword: pulumi.secret("s3cret"),
        });
        expect(await valueOf(image.imageRef)).toBe(
            `registry.example.com/data/jobs@sha256:${"c".repeat(64)}`,
        );
        const built = only(registered, "docker:index/image:Image", "img-image");
        expect(built.inputs.imageName).toBe("registry.example.com/data/jobs:v1");
        expect(built.inputs.build).toEqual({
            context: "app",
            dockerfile: "app/Dockerfile",
            platform: "linux/amd64",
            args: {
                SPARK_BASE_IMAGE: "apache/spark:3.5.7-python3",
                // Resolved by app/resolve-jars.sh at build time.
                SPARK_JARS: "org.apache.hadoop:hadoop-aws:3.3.4,org.example:extra:1.0",
            },
        });
        // The password makes the whole registry block a secret in state.
        expect(secretValue(built.inputs.registry)).toEqual({
            server: "registry.example.com",
            username: "deployer",
            password: "s3cret",
        });
        expect(childOf(built, "pyspark-k8s:image:JobImage", "img")).toBe(true);
    });

    it("builds with the docker CLI through a dynamic resource, the password a secret input only", async () => {
        const image = new JobImage("cli", {
            mode: "cli",
            registry: "127.0.0.1:5000",
            repository: "jobs",
            tag: "local",
            baseImage: "127.0.0.1:5000/spark-py:3.5.7",
            sparkVersion: "3.5.7",
            registryUsername: "u",
            registryPassword: pulumi.secret("hunter2"),
        });
        expect(await valueOf(image.imageRef)).toBe(DIGEST_REF);
        const build = only(registered, IMAGE_BUILD, "cli-build");
        expect(build.inputs).toMatchObject({
            imageName: "127.0.0.1:5000/jobs:local",
            context: "app",
            dockerfile: "app/Dockerfile",
            baseImage: "127.0.0.1:5000/spark-py:3.5.7",
            platform: "linux/amd64",
            registry: "127.0.0.1:5000",
            registryUsername: "u",
            contextHash: expect.stringMatching(/^[a-f0-9]{64}$/),
        });
        expect(secretValue(build.inputs.registryPassword)).toBe("hunter2");
        expect(build.inputs.__provider).not.toContain("hunter2");
        expect(childOf(build, "pyspark-k8s:image:JobImage", "cli")).toBe(true);
        expect(await valueOf(image.sparkVersion)).toBe("3.5.7");
        expect(await valueOf(image.runAsUser)).toBe(185);
    });

    it("says which Spark the default base image carries, and none for another base image", async () => {
        const built = { mode: "cli", registry: "r.example.com", repository: "jobs" } as const;
        expect(await valueOf(new JobImage("default", built).sparkVersion)).toBe("4.1.2");
        expect(
            await valueOf(
                new JobImage("other", { ...built, baseImage: "my/spark:3" }).sparkVersion,
            ),
        ).toBeUndefined();
        await settle();
    });

    it("serializes a dynamic provider that loads the installed package by name, and nothing of this process", async () => {
        await valueOf(
            new JobImage("dyn", { mode: "cli", registry: "r.example.com", repository: "jobs" })
                .imageRef,
        );
        const provider: string = only(registered, IMAGE_BUILD, "dyn-build").inputs.__provider;
        expect(provider).toContain('IMPLEMENTATIONS: "@pyspark-k8s/pulumi/run"');
        expect(provider).toContain("require(IMPLEMENTATIONS)");
        expect(provider).not.toContain(process.cwd());
        expect(provider.length).toBeLessThan(4000);
    });

    it("refuses invalid arguments, all at once, before it creates anything", () => {
        expect(
            () =>
                new JobImage("bad", {
                    mode: "existing",
                    registry: "r.example.com",
                    registryUsername: "u",
                }),
        ).toThrow(
            /JobImage 'bad': 4 invalid arguments, nothing was created:\n  - ref: is required with mode 'existing'.*\n  - registry: is for building an image.*\n  - registryUsername: is only used when the image is built.*\n  - registryPassword: registryUsername and registryPassword go together/s,
        );
        expect(registered).toEqual([]);
    });

    it("uses an existing image and builds nothing", async () => {
        const ref = `registry.example.com/jobs@sha256:${"d".repeat(64)}`;
        const image = new JobImage("existing", { mode: "existing", ref });
        expect(await valueOf(image.imageRef)).toBe(ref);
        await settle();
        expect(registered.filter((r) => r.type !== "pyspark-k8s:image:JobImage")).toHaveLength(0);
    });
});
