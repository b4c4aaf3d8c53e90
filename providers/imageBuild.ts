/**
 * Building and pushing an image with the docker CLI, as a Pulumi dynamic resource:
 * create runs jobrun/build-image.sh and records the pushed reference pinned by
 * digest. Any change but the credentials rebuilds; delete leaves the registry alone.
 */
import * as pulumi from "@pulumi/pulumi";
import { changedKeys, lastLine, runProcess } from "./childProcess";

/** Inputs of an image build. */
export interface ImageBuildInputs {
    /** `registry/repository:tag` to push. */
    readonly imageName: pulumi.Input<string>;
    readonly context: pulumi.Input<string>;
    readonly dockerfile: pulumi.Input<string>;
    readonly baseImage: pulumi.Input<string>;
    /** Maven coordinates of jars to add, comma-separated ("" for none). */
    readonly jars: pulumi.Input<string>;
    readonly platform: pulumi.Input<string>;
    readonly registry: pulumi.Input<string>;
    /** Hash of the build context's files: rebuilds when they change. */
    readonly contextHash: pulumi.Input<string>;
    readonly registryUsername?: pulumi.Input<string>;
    /** Only ever in the build's environment; keep it a secret. */
    readonly registryPassword?: pulumi.Input<string>;
}

interface BuildProps {
    imageName: string;
    context: string;
    dockerfile: string;
    baseImage: string;
    jars: string;
    platform: string;
    registry: string;
    contextHash: string;
    registryUsername?: string;
    registryPassword?: string;
}

/** What a build records (never the password). */
export interface ImageBuildOutputs extends Omit<BuildProps, "registryPassword"> {
    imageRef: string;
}

const DIGEST_REF = /^[^\s@]+@sha256:[a-f0-9]{64}$/;
const REBUILDING_KEYS = [
    "imageName",
    "context",
    "dockerfile",
    "baseImage",
    "jars",
    "platform",
    "registry",
    "contextHash",
];

/** The dynamic provider behind {@link ImageBuild}. */
export const imageBuildProvider: pulumi.dynamic.ResourceProvider<BuildProps, ImageBuildOutputs> = {
    async create(inputs) {
        const env: Record<string, string> = {
            IMAGE_NAME: inputs.imageName,
            BUILD_CONTEXT: inputs.context,
            DOCKERFILE: inputs.dockerfile,
            BASE_IMAGE: inputs.baseImage,
            SPARK_JARS: inputs.jars ?? "",
            PLATFORM: inputs.platform,
            REGISTRY: inputs.registry,
        };
        if (inputs.registryUsername) env.REGISTRY_USERNAME = inputs.registryUsername;
        if (inputs.registryPassword) env.REGISTRY_PASSWORD = inputs.registryPassword;
        const build = await runProcess(["bash", "jobrun/build-image.sh"], env);
        const imageRef = lastLine(build.stdout);
        if (build.code !== 0 || !DIGEST_REF.test(imageRef)) {
            throw new Error(
                `image build of ${inputs.imageName} failed (exit ${build.code}):\n${build.stderr.trim().split("\n").slice(-30).join("\n")}`,
            );
        }
        const { registryPassword: _password, ...recorded } = inputs;
        void _password;
        return { id: imageRef, outs: { ...recorded, imageRef } };
    },
    diff(_id, olds, news) {
        const replaces = changedKeys(
            olds as unknown as Record<string, unknown>,
            news as unknown as Record<string, unknown>,
            REBUILDING_KEYS,
        );
        return Promise.resolve({ changes: replaces.length > 0, replaces });
    },
    delete() {
        // Pushed images stay in the registry: other stacks or rollbacks may use them.
        return Promise.resolve();
    },
};

/** An image built and pushed with the docker CLI (see {@link imageBuildProvider}). */
export class ImageBuild extends pulumi.dynamic.Resource {
    declare public readonly imageRef: pulumi.Output<string>;

    constructor(name: string, args: ImageBuildInputs, opts?: pulumi.CustomResourceOptions) {
        super(
            imageBuildProvider,
            name,
            { ...args, imageRef: undefined },
            opts,
            "pyspark-k8s",
            "ImageBuild",
        );
    }
}
