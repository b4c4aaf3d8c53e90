import * as pulumi from "@pulumi/pulumi";
import { JobImageSettings, jobImageProblems, validOrThrow } from "../lib/componentArgs";
import { directoryHash } from "../lib/contentHash";
import type { ImageBuildOutputs } from "../run/providers";
import { runResource } from "../run/resources";
import { validatedNowOrLater } from "./knownNow";

/** How the job image comes to be. */
export const ImageMode = {
    /** Built and pushed by the Pulumi Docker provider (`@pulumi/docker`, with its plugin). */
    docker: "docker",
    /** Built and pushed by the docker CLI, for machines without the Docker provider plugin. */
    cli: "cli",
    /** An image that exists already, pinned by digest: nothing is built. */
    existing: "existing",
} as const;
export type ImageMode = (typeof ImageMode)[keyof typeof ImageMode];

/** Arguments of {@link JobImage}. */
export interface JobImageArgs {
    /** How the image comes to be. */
    readonly mode: ImageMode;
    /** Registry host (and port) to push to, e.g. `registry.example.com` or `127.0.0.1:5000` (building modes). */
    readonly registry?: pulumi.Input<string>;
    /** Repository within the registry, e.g. `data/pyspark-jobs` (building modes). */
    readonly repository?: pulumi.Input<string>;
    /** Tag to push; the output reference is pinned by digest regardless. Default: `latest`. */
    readonly tag?: pulumi.Input<string>;
    /** Spark base image, the Dockerfile's build arg SPARK_BASE_IMAGE. Default: `apache/spark:4.1.2-scala2.13-java21-python3-ubuntu`. */
    readonly baseImage?: pulumi.Input<string>;
    /**
     * Maven coordinates `group:artifact:version` (exact releases) of jars added to the
     * image's Spark, resolved with their runtime dependencies when the image is built.
     */
    readonly jars?: pulumi.Input<pulumi.Input<string>[]>;
    /** Build context directory (the PySpark app), relative to the program. Default: `app`. */
    readonly context?: pulumi.Input<string>;
    /** Dockerfile path, relative to the program. Default: `app/Dockerfile`. */
    readonly dockerfile?: pulumi.Input<string>;
    /** Target platform. Default: `linux/amd64`. */
    readonly platform?: pulumi.Input<string>;
    /** The image to use with mode `existing`, pinned by digest (`name@sha256:...`). */
    readonly ref?: pulumi.Input<string>;
    /** The Spark version the image carries (`3.5.7`). Default: `4.1.2` with the default base image, else none. */
    readonly sparkVersion?: pulumi.Input<string>;
    /** The image's non-root user id. Default: `185`, as in the official Spark images. */
    readonly runAsUser?: pulumi.Input<number>;
    /** Registry user name, when the registry needs a login. */
    readonly registryUsername?: pulumi.Input<string>;
    /** Registry password or token; kept a secret, only ever in the build's environment. */
    readonly registryPassword?: pulumi.Input<string>;
}

/**
 * The container image the jobs run in: the PySpark app on a Spark base image, built
 * and pushed, or an existing one. Its output `imageRef` is pinned by digest, so that a
 * new image re-runs the jobs and an unchanged one does not.
 */
export class JobImage extends pulumi.ComponentResource {
    /** The image reference pinned by digest: `registry/repository@sha256:...`. */
    public readonly imageRef: pulumi.Output<string>;
    /** The Spark version the image carries, if known. */
    public readonly sparkVersion: pulumi.Output<string | undefined>;
    /** The image's non-root user id. */
    public readonly runAsUser: pulumi.Output<number>;

    constructor(name: string, args: JobImageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pyspark-k8s:image:JobImage", name, {}, opts);
        const { registryPassword, ...described } = args;
        const check = (raw: object) =>
            validOrThrow(
                "JobImage",
                name,
                jobImageProblems({
                    ...raw,
                    ...(registryPassword !== undefined ? { registryPassword: "[secret]" } : {}),
                }),
            );
        const valid: pulumi.Output<JobImageSettings> = validatedNowOrLater(described, check);
        const password =
            registryPassword === undefined ? undefined : pulumi.secret(registryPassword);

        if (args.mode === ImageMode.existing) this.imageRef = valid.apply((v) => v.ref!);
        else if (args.mode === ImageMode.docker)
            this.imageRef = this.dockerBuild(name, valid, password);
        else this.imageRef = this.cliBuild(name, valid, password);
        this.sparkVersion = valid.sparkVersion;
        this.runAsUser = valid.runAsUser;
        this.registerOutputs({
            imageRef: this.imageRef,
            sparkVersion: this.sparkVersion,
            runAsUser: this.runAsUser,
        });
    }

    /** Built with the Pulumi Docker provider. */
    private dockerBuild(
        name: string,
        valid: pulumi.Output<JobImageSettings>,
        password: pulumi.Output<string> | undefined,
    ): pulumi.Output<string> {
        // Only this mode needs @pulumi/docker (an optional peer dependency with its plugin).
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const docker = require("@pulumi/docker") as typeof import("@pulumi/docker");
        const image = new docker.Image(
            `${name}-image`,
            {
                imageName: pulumi.interpolate`${valid.registry}/${valid.repository}:${valid.tag}`,
                build: {
                    context: valid.context,
                    dockerfile: valid.dockerfile,
                    platform: valid.platform,
                    args: {
                        SPARK_BASE_IMAGE: valid.baseImage,
                        SPARK_JARS: valid.jars.apply((j) => j.join(",")),
                    },
                },
                registry: valid.apply((v) =>
                    v.registryUsername
                        ? { server: v.registry!, username: v.registryUsername, password }
                        : undefined,
                ),
            },
            { parent: this },
        );
        return image.repoDigest;
    }

    /** Built with the docker CLI (a run resource running scripts/build-image.sh). */
    private cliBuild(
        name: string,
        valid: pulumi.Output<JobImageSettings>,
        password: pulumi.Output<string> | undefined,
    ): pulumi.Output<string> {
        const build = runResource<ImageBuildOutputs>(
            "ImageBuild",
            `${name}-build`,
            {
                imageName: pulumi.interpolate`${valid.registry}/${valid.repository}:${valid.tag}`,
                context: valid.context,
                dockerfile: valid.dockerfile,
                baseImage: valid.baseImage,
                jars: valid.jars.apply((j) => j.join(",")),
                platform: valid.platform,
                registry: valid.apply((v) => v.registry!),
                // The build re-runs when the app's files change; the digest it pushes
                // decides whether the jobs re-run.
                contextHash: valid.context.apply(directoryHash),
                registryUsername: valid.registryUsername,
                registryPassword: password,
            },
            ["imageRef"],
            { parent: this },
        );
        return build.imageRef;
    }
}
