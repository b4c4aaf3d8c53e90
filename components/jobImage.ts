import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { directoryHash } from "../lib/contentHash";

/** How the job image comes to be. */
export type JobImageSource =
    | {
        /**
         * `docker`: built and pushed by the Pulumi Docker provider.
         * `cli`: built and pushed by the docker CLI through a command (where the Docker
         * provider plugin is not available, as on this repo's local cluster).
         */
        readonly mode: "docker" | "cli";
        /** Registry host (and port) to push to, e.g. `ghcr.io` or `127.0.0.1:5000`. */
        readonly registry: pulumi.Input<string>;
        /** Repository within the registry, e.g. `data/pyspark-jobs`. */
        readonly repository: pulumi.Input<string>;
        /** Tag to push; the output reference is pinned by digest regardless. */
        readonly tag: pulumi.Input<string>;
        /** Spark base image, passed to the Dockerfile as build arg SPARK_BASE_IMAGE. */
        readonly baseImage: pulumi.Input<string>;
        /** Build context directory (the PySpark app). */
        readonly context: string;
        /** Dockerfile path. */
        readonly dockerfile: string;
        /** Target platform, e.g. `linux/amd64`. */
        readonly platform: pulumi.Input<string>;
    }
    | {
        /** Use an image that exists already, pinned by digest; build nothing. */
        readonly mode: "existing";
        /** `name@sha256:<digest>`. */
        readonly ref: pulumi.Input<string>;
    };

/** Arguments of {@link JobImage}. */
export interface JobImageArgs {
    readonly source: JobImageSource;
    /** Registry user name, when the registry needs a login. */
    readonly registryUsername?: pulumi.Input<string>;
    /** Registry password or token; keep it a secret. */
    readonly registryPassword?: pulumi.Input<string>;
}

/** Parses the last line of the build script's output: `name@sha256:...`. */
export function digestRefFromOutput(stdout: string): string {
    const lines = stdout.trim().split(/\r?\n/);
    const last = lines[lines.length - 1]?.trim() ?? "";
    if (!/^[^\s@]+@sha256:[a-f0-9]{64}$/.test(last)) {
        throw new Error(`image build did not end with a digest reference (name@sha256:...); last line was '${last}'`);
    }
    return last;
}

/**
 * The container image the jobs run in: the PySpark app on a Spark base image, built
 * and pushed, or an existing one. Its output `imageRef` is pinned by digest, so that a
 * new image re-runs the jobs and an unchanged one does not.
 */
export class JobImage extends pulumi.ComponentResource {
    /** The image reference pinned by digest: `registry/repository@sha256:...`. */
    public readonly imageRef: pulumi.Output<string>;

    constructor(name: string, args: JobImageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pyspark-k8s:image:JobImage", name, {}, opts);
        const source = args.source;

        if (source.mode === "existing") {
            this.imageRef = pulumi.output(source.ref);
        } else {
            const imageName = pulumi.interpolate`${source.registry}/${source.repository}:${source.tag}`;
            if (source.mode === "docker") {
                const image = new docker.Image(`${name}-image`, {
                    imageName,
                    build: {
                        context: source.context,
                        dockerfile: source.dockerfile,
                        platform: source.platform,
                        args: { SPARK_BASE_IMAGE: source.baseImage },
                    },
                    registry: args.registryUsername
                        ? { server: source.registry, username: args.registryUsername, password: args.registryPassword }
                        : undefined,
                }, { parent: this });
                this.imageRef = image.repoDigest;
            } else {
                const environment: Record<string, pulumi.Input<string>> = {
                    IMAGE_NAME: imageName,
                    BUILD_CONTEXT: source.context,
                    DOCKERFILE: source.dockerfile,
                    BASE_IMAGE: source.baseImage,
                    PLATFORM: source.platform,
                    REGISTRY: source.registry,
                };
                if (args.registryUsername) environment.REGISTRY_USERNAME = args.registryUsername;
                if (args.registryPassword) environment.REGISTRY_PASSWORD = pulumi.secret(args.registryPassword);
                const build = new command.local.Command(`${name}-build`, {
                    create: "bash jobrun/build-image.sh",
                    environment,
                    // The build re-runs when the app's files change; the digest it prints
                    // decides whether the jobs re-run.
                    triggers: [directoryHash(source.context)],
                    logging: "stderr",
                }, { parent: this, replaceOnChanges: ["environment", "triggers"] });
                this.imageRef = build.stdout.apply(digestRefFromOutput);
            }
        }

        this.registerOutputs({ imageRef: this.imageRef });
    }
}
