/**
 * What the run resources do when the engine creates, diffs, updates, reads or deletes
 * them. One implementation each, served two ways (see resources.ts): as Node dynamic
 * providers inside a TypeScript program's deployment, and as custom resources of this
 * package's plugin for other languages. Only the way progress reaches the person
 * differs, so it is passed in.
 *
 * - RunResult follows an in-cluster run's Job to its end (`attach`), and on refresh checks
 *   that the Job still exists (`status`). It owns nothing in the cluster: the Job does.
 * - JobRun runs a job with spark-submit from the deployer (`run`); its delete removes
 *   what the job's runs created (`delete`). Any change to what it runs replaces it.
 * - ImageBuild builds and pushes the job image with the docker CLI.
 */
import * as path from "path";
import { MANIFEST_ACCEPT, manifestUrl } from "../lib/imageManifest";
import type { RunSpec } from "../lib/runSpec";
import { AttachRequest, RunOutcome, attachRequestSchema } from "../runner/protocol";
import { Progress, callRunner, runProcess } from "./runnerCall";

/** A provider's answer to a diff. */
export interface Diff {
    readonly changes: boolean;
    readonly replaces: string[];
    readonly deleteBeforeReplace?: boolean;
}

/** One run resource's behaviour; `O` holds its inputs and what it recorded. */
export interface RunResourceProvider<I, O> {
    readonly create: (inputs: I, progress: Progress) => Promise<{ id: string; outs: O }>;
    readonly diff: (id: string, olds: O, news: I) => Promise<Diff>;
    readonly update?: (id: string, olds: O, news: I) => Promise<{ outs: O }>;
    /** Refresh: the recorded outputs, or undefined if what they describe is gone. */
    readonly read?: (id: string, props: O) => Promise<O | undefined>;
    readonly delete?: (id: string, props: O, progress: Progress) => Promise<void>;
}

/** Names of the keys whose values differ between two property bags. */
export function changedKeys(olds: object, news: object, keys: readonly string[]): string[] {
    const o = olds as Record<string, unknown>;
    const n = news as Record<string, unknown>;
    return keys.filter((key) => JSON.stringify(o[key] ?? null) !== JSON.stringify(n[key] ?? null));
}

// ---------------------------------------------------------------- RunResult

/** What a RunResult records: the run it followed and its outcome. */
export type RunResultOutputs = AttachRequest & RunOutcome;

/** The run a RunResult followed, from what it recorded. */
function attachRequestOf(props: RunResultOutputs): AttachRequest {
    const keys = Object.keys(attachRequestSchema.shape) as (keyof AttachRequest)[];
    return Object.fromEntries(
        keys.filter((key) => props[key] !== undefined).map((key) => [key, props[key]]),
    ) as AttachRequest;
}

/** A different Job, or a different reading of its log, is a different outcome. */
const REATTACHING_KEYS = ["namespace", "runName", "runUid", "resultPattern"];

export const runResult: RunResourceProvider<AttachRequest, RunResultOutputs> = {
    async create(inputs, progress) {
        const outcome = await callRunner("attach", inputs, progress);
        return { id: `${inputs.namespace}/${inputs.runName}`, outs: { ...inputs, ...outcome } };
    },
    diff(_id, olds, news) {
        const replaces = changedKeys(olds, news, REATTACHING_KEYS);
        const changes = changedKeys(olds, news, Object.keys(news)).length > 0;
        return Promise.resolve({ changes: changes || replaces.length > 0, replaces });
    },
    update(_id, olds, news) {
        // Timeouts or API settings changed: nothing to do for a run that has ended.
        return Promise.resolve({ outs: { ...olds, ...news } });
    },
    async read(_id, props) {
        // Refresh: a run whose Job is gone (or is another Job now) is gone from the stack.
        const found = await callRunner("status", attachRequestOf(props));
        return found.exists && found.uid === props.runUid ? props : undefined;
    },
};

// ---------------------------------------------------------------- JobRun

/** Inputs of a run from the deployer. */
export interface JobRunInputs {
    /** The run's spec (lib/runSpec.ts): previews show its changes field by field. */
    readonly spec: RunSpec;
    /** The run's identity (jobPod.ts runName): a new one re-runs the job. */
    readonly runKey: string;
}

export type JobRunOutputs = JobRunInputs & RunOutcome;

export const jobRun: RunResourceProvider<JobRunInputs, JobRunOutputs> = {
    async create(inputs, progress) {
        const outcome = await callRunner("run", inputs.spec, progress);
        return { id: `${outcome.namespace}/${outcome.driverPod}`, outs: { ...inputs, ...outcome } };
    },
    diff(_id, olds, news) {
        const replaces = changedKeys(olds, news, ["runKey"]);
        const changes = replaces.length > 0 || changedKeys(olds, news, ["spec"]).length > 0;
        return Promise.resolve({ changes, replaces, deleteBeforeReplace: true });
    },
    update(_id, olds, news) {
        // Timeouts or the result pattern changed: the run that happened stays as it was.
        return Promise.resolve({ outs: { ...olds, ...news } });
    },
    async delete(_id, props, progress) {
        await callRunner("delete", props.spec, progress);
    },
};

// ---------------------------------------------------------------- ImageBuild

/** Inputs of an image build with the docker CLI. */
export interface ImageBuildInputs {
    /** `registry/repository:tag` to push. */
    readonly imageName: string;
    /** Build context directory, relative to the program's directory. */
    readonly context: string;
    readonly dockerfile: string;
    readonly baseImage: string;
    /** Maven coordinates of jars to add, comma-separated ("" for none). */
    readonly jars: string;
    readonly platform: string;
    readonly registry: string;
    /** Hash of the build context's files: rebuilds when they change. */
    readonly contextHash: string;
    readonly registryUsername?: string;
    /** Only ever in the build's environment, never recorded. */
    readonly registryPassword?: string;
}

/** What a build records (never the password). */
export type ImageBuildOutputs = Omit<ImageBuildInputs, "registryPassword"> & { imageRef: string };

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

/** The build script, shipped with the package. */
const BUILD_SCRIPT = path.join(__dirname, "..", "..", "scripts", "build-image.sh");

export const imageBuild: RunResourceProvider<ImageBuildInputs, ImageBuildOutputs> = {
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
        const build = await runProcess(["bash", BUILD_SCRIPT], env);
        const lines = build.stdout.trim().split(/\r?\n/);
        const imageRef = lines[lines.length - 1]?.trim() ?? "";
        if (build.code !== 0 || !DIGEST_REF.test(imageRef))
            throw new Error(
                `image build of ${inputs.imageName} failed (exit ${build.code}):\n${build.stderr.trim().split("\n").slice(-30).join("\n")}`,
            );
        const { registryPassword: _password, ...recorded } = inputs;
        void _password;
        return { id: imageRef, outs: { ...recorded, imageRef } };
    },
    async read(_id, props) {
        return (await registryLacks(props.imageRef)) ? undefined : props;
    },
    diff(_id, olds, news) {
        const replaces = changedKeys(olds, news, REBUILDING_KEYS);
        return Promise.resolve({ changes: replaces.length > 0, replaces });
    },
    delete() {
        // Pushed images stay in the registry: other stacks or rollbacks may use them.
        return Promise.resolve();
    },
};

/**
 * True only when the registry says it no longer has the image (404). Any other answer
 * (a registry that wants credentials for reading, or cannot be reached) keeps the record:
 * a refresh must not rebuild an image only because the registry could not be asked.
 */
async function registryLacks(imageRef: string): Promise<boolean> {
    const url = manifestUrl(imageRef);
    if (!url) return false;
    try {
        const answer = await fetch(url, {
            method: "HEAD",
            headers: { Accept: MANIFEST_ACCEPT },
            signal: AbortSignal.timeout(10_000),
        });
        return answer.status === 404;
    } catch {
        return false;
    }
}

/** Every run resource, by type name. */
export const providers = { RunResult: runResult, JobRun: jobRun, ImageBuild: imageBuild } as const;
export type RunResourceType = keyof typeof providers;
