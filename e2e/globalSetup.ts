/**
 * Before the scenario's cases: the job image they run (the app on the local Spark 3.5.7
 * base image, with hadoop-aws), built and pushed once with the package's own build script,
 * as the JobImage component builds it. Its digest reference goes to the cases through
 * PSK_E2E_IMAGE (they run in this process: --runInBand).
 */
import { spawnSync } from "child_process";
import * as path from "path";
import { REPO, sourcedEnv } from "./harness";

export default function buildCaseImage(): void {
    const env = {
        ...sourcedEnv("toolchain/env.sh", "local/images/env.sh"),
        DOCKER: "/usr/bin/docker",
        DOCKER_BUILDKIT: "0",
        DOCKER_BUILD_NETWORK: "host",
        IMAGE_NAME: "127.0.0.1:5000/pyspark-jobs:e2e",
        BUILD_CONTEXT: "app",
        DOCKERFILE: "app/Dockerfile",
        BASE_IMAGE: "127.0.0.1:5000/spark-py:3.5.7",
        SPARK_JARS: "org.apache.hadoop:hadoop-aws:3.3.4",
        PLATFORM: "linux/amd64",
        REGISTRY: "127.0.0.1:5000",
    };
    const started = Date.now();
    const build = spawnSync("bash", [path.join(REPO, "package", "scripts", "build-image.sh")], {
        cwd: REPO,
        env,
        encoding: "utf8",
        maxBuffer: 256 * 1024 * 1024,
    });
    if (build.status !== 0)
        throw new Error(
            `building the cases' job image failed:\n${build.stderr.split("\n").slice(-30).join("\n")}`,
        );
    process.env.PSK_E2E_IMAGE = build.stdout.trim().split("\n").pop();
    process.stderr.write(
        `[e2e] the cases' job image: ${process.env.PSK_E2E_IMAGE} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`,
    );
}
