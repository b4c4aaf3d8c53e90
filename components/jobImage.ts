import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { directoryHash } from "../lib/contentHash";
import { ImageBuild } from "../providers/imageBuild";

/** How the job image comes to be. */
export type JobImageSource =
    | {
          /**
           * `docker`: built and pushed by the Pulumi Docker provider.
           * `cli`: built and pushed by the docker CLI (a dynamic resource running
           * jobrun/build-image.sh), for machines without the Docker provider plugin.
           */
          readonly mode: "docker" | "cli";
          /** Registry host (and port) to push to, e.g. `registry.example.com` or `127.0.0.1:5000`. */
          readonly registry: pulumi.Input<string>;
          /** Repository within the registry, e.g. `data/pyspark-jobs`. */
          readonly repository: pulumi.Input<string>;
          /** Tag to push; the output reference is pinned by digest regardless. */
          readonly tag: pulumi.Input<string>;
          /** Spark base image, passed to the Dockerfile as build arg SPARK_BASE_IMAGE. */
          readonly baseImage: pulumi.Input<string>;
          /**
           * Maven coordinates (`group:artifact:version`) of jars to add to the image's Spark,
           * resolved with their runtime dependencies at build time (build arg SPARK_JARS).
           */
          readonly jars: readonly string[];
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
                const image = new docker.Image(
                    `${name}-image`,
                    {
                        imageName,
                        build: {
                            context: source.context,
                            dockerfile: source.dockerfile,
                            platform: source.platform,
                            args: {
                                SPARK_BASE_IMAGE: source.baseImage,
                                SPARK_JARS: source.jars.join(","),
                            },
                        },
                        registry: args.registryUsername
                            ? {
                                  server: source.registry,
                                  username: args.registryUsername,
                                  password: args.registryPassword,
                              }
                            : undefined,
                    },
                    { parent: this },
                );
                this.imageRef = image.repoDigest;
            } else {
                const build = new ImageBuild(
                    `${name}-build`,
                    {
                        imageName,
                        context: source.context,
                        dockerfile: source.dockerfile,
                        baseImage: source.baseImage,
                        jars: source.jars.join(","),
                        platform: source.platform,
                        registry: source.registry,
                        // The build re-runs when the app's files change; the digest it
                        // pushes decides whether the jobs re-run.
                        contextHash: directoryHash(source.context),
                        registryUsername: args.registryUsername,
                        registryPassword:
                            args.registryPassword === undefined
                                ? undefined
                                : pulumi.secret(args.registryPassword),
                    },
                    { parent: this },
                );
                this.imageRef = build.imageRef;
            }
        }

        this.registerOutputs({ imageRef: this.imageRef });
    }
}
