/**
 * Reads this project's keys from the Pulumi configuration of the running stack and
 * validates them (see stackValidation.ts).
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "./configProblems";
import { CONFIG_NAMESPACE } from "./stackSchema";
import { StackConfig, validateStackConfig } from "./stackValidation";

/** Top-level keys whose values are plain strings even if they look like JSON. */
const STRING_KEYS = new Set(["namespace", "registryUsername", "registryPassword", "resultJob"]);

/**
 * Turns Pulumi's flat `namespace:key -> string` map into this project's raw config:
 * structured values are JSON strings, so they are parsed.
 */
export function rawProjectConfig(all: Record<string, string>): Record<string, unknown> {
    const raw: Record<string, unknown> = {};
    const prefix = `${CONFIG_NAMESPACE}:`;
    for (const [fullKey, value] of Object.entries(all)) {
        if (!fullKey.startsWith(prefix)) continue;
        const key = fullKey.slice(prefix.length);
        if (STRING_KEYS.has(key)) {
            raw[key] = value;
            continue;
        }
        try {
            raw[key] = JSON.parse(value);
        } catch {
            raw[key] = value;
        }
    }
    return raw;
}

/** The project's top-level keys that the stack holds as secrets. */
function secretProjectKeys(all: Record<string, string>): Set<string> {
    const isSecret = (pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean })
        .isConfigSecret;
    const prefix = `${CONFIG_NAMESPACE}:`;
    return new Set(
        typeof isSecret === "function"
            ? Object.keys(all)
                  .filter((k) => k.startsWith(prefix) && isSecret(k))
                  .map((k) => k.slice(prefix.length))
            : [],
    );
}

/**
 * The validated configuration of the current stack.
 *
 * @throws RunError with the ConfigError's message, listing every problem; nothing has been
 *   registered yet.
 */
export function readStackConfig(): StackConfig {
    let all: Record<string, string>;
    try {
        all = pulumi.runtime.allConfig();
    } catch {
        // The runtime throws on a stack with no configuration at all; validation then
        // says which keys are required.
        all = {};
    }
    try {
        return validateStackConfig(
            rawProjectConfig(all),
            pulumi.getStack(),
            secretProjectKeys(all),
        );
    } catch (err) {
        // RunError: the engine shows its message alone, without a stack trace.
        if (err instanceof ConfigError) throw new pulumi.RunError(err.message);
        throw err;
    }
}
