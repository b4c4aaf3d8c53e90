import { manifestUrl } from "../src/lib/imageManifest";

const DIGEST = `sha256:${"a".repeat(64)}`;

describe("manifestUrl", () => {
    it("asks a loopback registry over plain HTTP", () => {
        expect(manifestUrl(`127.0.0.1:5000/pyspark-jobs@${DIGEST}`)).toBe(
            `http://127.0.0.1:5000/v2/pyspark-jobs/manifests/${DIGEST}`,
        );
    });

    it("asks any other registry over HTTPS, keeping the repository's path", () => {
        expect(manifestUrl(`registry.example.com/team/jobs@${DIGEST}`)).toBe(
            `https://registry.example.com/v2/team/jobs/manifests/${DIGEST}`,
        );
    });

    it("has no answer for a reference without a digest or without a registry host", () => {
        expect(manifestUrl("127.0.0.1:5000/pyspark-jobs:latest")).toBeUndefined();
        expect(manifestUrl(`library/python@${DIGEST}`)).toBeUndefined();
    });
});
