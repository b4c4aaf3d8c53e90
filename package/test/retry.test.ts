import { ApiUnreachable, describeError, isTransient, withRetry } from "../src/lib/retry";

/** A clock that only moves when the retry loop sleeps. */
function fakeClock() {
    const clock = { t: 0, sleeps: [] as number[] };
    return {
        clock,
        now: () => clock.t,
        sleep: (ms: number) => {
            clock.sleeps.push(ms);
            clock.t += ms;
            return Promise.resolve();
        },
    };
}

const refused = Object.assign(
    new Error("request to https://127.0.0.1:6443/api failed, reason: connect ECONNREFUSED"),
    {
        code: "ECONNREFUSED",
    },
);
const status = (code: number, message = "") =>
    Object.assign(new Error(`HTTP ${code}`), { code, body: JSON.stringify({ message }) });

describe("isTransient", () => {
    it("retries refused and reset connections and timeouts, also as a cause", () => {
        expect(isTransient(refused)).toBe(true);
        expect(isTransient(Object.assign(new Error("x"), { code: "ECONNRESET" }))).toBe(true);
        expect(
            isTransient(
                new Error("fetch failed", {
                    cause: Object.assign(new Error("y"), { code: "ETIMEDOUT" }),
                }),
            ),
        ).toBe(true);
    });

    it("retries 429 and 5xx, not other statuses", () => {
        expect(isTransient(status(429))).toBe(true);
        expect(isTransient(status(503))).toBe(true);
        expect(isTransient(status(500))).toBe(true);
        expect(isTransient(status(404))).toBe(false);
        expect(isTransient(status(403))).toBe(false);
        expect(isTransient(status(409))).toBe(false);
    });

    it("does not retry a plain programming error", () => {
        expect(isTransient(new TypeError("x is undefined"))).toBe(false);
    });
});

describe("describeError", () => {
    it("gives the status and the server's message, or the network error, in one line", () => {
        expect(describeError(status(403, 'pods is forbidden: User "x" cannot list'))).toBe(
            'HTTP 403: pods is forbidden: User "x" cannot list',
        );
        expect(describeError(refused)).toContain("ECONNREFUSED");
        expect(describeError(refused)).not.toContain("    at ");
    });
});

describe("withRetry", () => {
    it("returns the first success after transient failures, backing off exponentially", async () => {
        const { clock, ...c } = fakeClock();
        let calls = 0;
        const retried: number[] = [];
        const value = await withRetry(
            "GET pods",
            () => (++calls < 4 ? Promise.reject(refused) : Promise.resolve("ok")),
            {
                windowMs: 60_000,
                initialDelayMs: 500,
                onRetry: (_e, attempt) => retried.push(attempt),
            },
            c,
        );
        expect(value).toBe("ok");
        expect(calls).toBe(4);
        expect(clock.sleeps).toEqual([500, 1000, 2000]);
        expect(retried).toEqual([1, 2, 3]);
    });

    it("throws a non-transient error at once", async () => {
        const c = fakeClock();
        let calls = 0;
        await expect(
            withRetry(
                "GET pods",
                () => (calls++, Promise.reject(status(403, "forbidden"))),
                { windowMs: 60_000 },
                c,
            ),
        ).rejects.toMatchObject({ code: 403 });
        expect(calls).toBe(1);
    });

    it("gives up past the window, saying what could not be reached, for how long and why", async () => {
        const { clock, ...c } = fakeClock();
        const err = await withRetry(
            "LIST pods at https://127.0.0.1:6443",
            () => Promise.reject(refused),
            { windowMs: 20_000 },
            c,
        ).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(ApiUnreachable);
        expect((err as ApiUnreachable).message).toMatch(
            /^LIST pods at https:\/\/127\.0\.0\.1:6443: no answer for 20 s \(last error: .*ECONNREFUSED.*\)$/,
        );
        expect(clock.t).toBe(20_000);
    });
});
