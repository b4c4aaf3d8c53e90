/**
 * Where a registry answers whether it still holds a pushed image (the Docker Registry
 * HTTP API v2 manifest endpoint). A local registry may be wiped while a stack still
 * records its image, and a refresh must then see the image gone, so that the next
 * `pulumi up` builds and pushes it again instead of leaving pods in ErrImagePull.
 */

/** Registries on this machine speak plain HTTP; every other registry HTTPS. */
const LOOPBACK_HOST = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$/;

/**
 * The manifest URL of a digest reference `registry/repository@sha256:...`, or undefined
 * for a reference that names no registry host (Docker Hub's short names).
 */
export function manifestUrl(imageRef: string): string | undefined {
    const at = imageRef.indexOf("@");
    if (at < 0) return undefined;
    const name = imageRef.slice(0, at);
    const digest = imageRef.slice(at + 1);
    const slash = name.indexOf("/");
    if (slash < 0) return undefined;
    const host = name.slice(0, slash);
    if (!host.includes(".") && !host.includes(":") && host !== "localhost") return undefined;
    const repository = name.slice(slash + 1);
    const scheme = LOOPBACK_HOST.test(host) ? "http" : "https";
    return `${scheme}://${host}/v2/${repository}/manifests/${digest}`;
}

/** The media types a manifest HEAD accepts: single images and multi-platform indexes. */
export const MANIFEST_ACCEPT = [
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
].join(", ");
