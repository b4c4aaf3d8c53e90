#!/usr/bin/env bash
# Builds the job image with the docker CLI and pushes it; prints progress on stderr and,
# as the last line on stdout, the pushed reference pinned by digest (name@sha256:...).
# Inputs (environment): IMAGE_NAME, BUILD_CONTEXT, DOCKERFILE, BASE_IMAGE, PLATFORM,
# REGISTRY, SPARK_JARS (Maven coordinates, comma-separated; may be empty), and optionally REGISTRY_USERNAME + REGISTRY_PASSWORD (read from the
# environment, given to docker on stdin: never on a command line).
# Optional, from the calling environment: DOCKER (the CLI, default `docker`),
# DOCKER_BUILD_NETWORK (e.g. `host`, for engines started without a bridge) and
# BUILD_CA_CERTS (a PEM file, or a directory of *.crt files: extra CA certificates the
# build trusts while it resolves image.jars, e.g. a TLS-inspecting proxy's; not kept in
# the image's files).
set -euo pipefail

for var in IMAGE_NAME BUILD_CONTEXT DOCKERFILE BASE_IMAGE PLATFORM REGISTRY; do
    if [ -z "${!var:-}" ]; then
        echo "build-image: $var is not set" >&2
        exit 2
    fi
done

docker="${DOCKER:-docker}"

if [ -n "${REGISTRY_USERNAME:-}" ]; then
    printf '%s' "${REGISTRY_PASSWORD:?build-image: REGISTRY_PASSWORD must be set with REGISTRY_USERNAME}" \
        | "$docker" login --username "$REGISTRY_USERNAME" --password-stdin "$REGISTRY" >&2
fi

ca_certs=""
if [ -n "${BUILD_CA_CERTS:-}" ]; then
    if [ -d "$BUILD_CA_CERTS" ]; then
        ca_certs=$(cat "$BUILD_CA_CERTS"/*.crt)
    else
        ca_certs=$(cat "$BUILD_CA_CERTS")
    fi
fi

network=()
if [ -n "${DOCKER_BUILD_NETWORK:-}" ]; then network=(--network "$DOCKER_BUILD_NETWORK"); fi
"$docker" build "${network[@]}" --platform "$PLATFORM" --build-arg "SPARK_BASE_IMAGE=$BASE_IMAGE" \
    --build-arg "SPARK_JARS=${SPARK_JARS:-}" --build-arg "BUILD_CA_CERTS=$ca_certs" \
    -f "$DOCKERFILE" -t "$IMAGE_NAME" "$BUILD_CONTEXT" >&2
"$docker" push "$IMAGE_NAME" >&2

repo="${IMAGE_NAME%:*}"
digest=$("$docker" image inspect --format '{{range .RepoDigests}}{{println .}}{{end}}' "$IMAGE_NAME" \
    | grep -F "$repo@" | head -n 1 | sed 's/.*@//')
if [ -z "$digest" ]; then
    echo "build-image: pushed $IMAGE_NAME but docker reports no digest for $repo" >&2
    exit 1
fi
echo "$repo@$digest"
