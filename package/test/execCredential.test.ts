import { withEarlierExpiry } from "../src/lib/execCredential";

describe("withEarlierExpiry", () => {
    const credential = (expirationTimestamp?: string) =>
        JSON.stringify({
            apiVersion: "client.authentication.k8s.io/v1",
            kind: "ExecCredential",
            status: { token: "t", ...(expirationTimestamp ? { expirationTimestamp } : {}) },
        });
    const now = Date.parse("2026-11-25T07:00:00Z");

    it("moves the token's expiry a margin earlier, keeping everything else", () => {
        const out = JSON.parse(withEarlierExpiry(credential("2026-11-25T07:15:00Z"), 60_000, now));
        expect(out).toEqual({
            apiVersion: "client.authentication.k8s.io/v1",
            kind: "ExecCredential",
            status: { token: "t", expirationTimestamp: "2026-11-25T07:14:00.000Z" },
        });
    });

    it("never moves it before now, and leaves a credential without expiry or a non-JSON answer alone", () => {
        expect(
            JSON.parse(withEarlierExpiry(credential("2026-11-25T07:00:30Z"), 60_000, now)).status
                .expirationTimestamp,
        ).toBe("2026-11-25T07:00:00.000Z");
        expect(withEarlierExpiry(credential(), 60_000, now)).toBe(credential());
        expect(withEarlierExpiry("not json", 60_000, now)).toBe("not json");
    });
});
