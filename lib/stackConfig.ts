/**
 * Reads this project's keys from the Pulumi configuration of the running stack and
 * validates them (see config.ts).
 */
import * as pulumi from "@pulumi/pulumi";
import {
    CONFIG_NAMESPACE,
    ConfigError,
    SECRET_KEYS,
    StackConfig,
    validateStackConfig,
} from "./config";

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

/** Secret keys other than the allowed ones would end up in plain state: refuse them. */
export function misplacedSecrets(secretKeys: readonly string[]): string[] {
    const prefix = `${CONFIG_NAMESPACE}:`;
    return secretKeys.filter(
        (k) => k.startsWith(prefix) && !SECRET_KEYS.has(k.slice(prefix.length)),
    );
}

function secretConfigKeys(all: Record<string, string>): string[] {
    const isSecret = (pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean })
        .isConfigSecret;
    return typeof isSecret === "function" ? Object.keys(all).filter((k) => isSecret(k)) : [];
}

/**
 * The validated configuration of the current stack.
 *
 * @throws RunError with the ConfigError's message, listing every problem; nothing has been
 *   registered yet.
 */
export function readStackConfig(): StackConfig {
    try {
        return readAndValidate();
    } catch (err) {
        // RunError: the engine shows its message alone, without a stack trace.
        if (err instanceof ConfigError) throw new pulumi.RunError(err.message);
        throw err;
    }
}

function readAndValidate(): StackConfig {
    let all: Record<string, string>;
    try {
        all = pulumi.runtime.allConfig();
    } catch {
        // The runtime throws on a stack with no configuration at all; validation then
        // says which keys are required.
        all = {};
    }
    const secretKeys = secretConfigKeys(all);
    const secrets = misplacedSecrets(secretKeys);
    if (secrets.length > 0) {
        throw new ConfigError(
            secrets.map((key) => ({
                key,
                message: `is a secret, but only ${[...SECRET_KEYS].join(", ")} may be: other values go into the job spec in plain state; put a job's secret variables under secretEnv.<job>.<VAR>`,
            })),
            pulumi.getStack(),
        );
    }
    const prefix = `${CONFIG_NAMESPACE}:`;
    return validateStackConfig(
        rawProjectConfig(all),
        pulumi.getStack(),
        new Set(secretKeys.filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length))),
    );
}
