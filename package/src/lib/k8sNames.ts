/**
 * Kubernetes' naming rules, as the API server applies them: DNS-1123 labels and
 * subdomains, qualified names (label and annotation keys), label values, environment
 * variable names, Secret keys. Pure.
 */

export const DNS1123_LABEL_MAX = 63;
export const DNS1123_SUBDOMAIN_MAX = 253;

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;

export function isDns1123Label(value: string, max = DNS1123_LABEL_MAX): boolean {
    return value.length <= max && DNS1123_LABEL.test(value);
}

export function isDns1123Subdomain(value: string): boolean {
    return value.length <= DNS1123_SUBDOMAIN_MAX && DNS1123_SUBDOMAIN.test(value);
}

export function isLabelValue(value: string): boolean {
    return value.length <= DNS1123_LABEL_MAX && LABEL_VALUE.test(value);
}

/** A label or annotation key: an optional DNS subdomain prefix and '/', and a name. */
export function isQualifiedName(key: string): boolean {
    const [prefix, name, ...rest] = key.includes("/") ? key.split("/") : [undefined, key];
    return (
        rest.length === 0 &&
        (prefix === undefined || isDns1123Subdomain(prefix)) &&
        name !== undefined &&
        name.length >= 1 &&
        isLabelValue(name)
    );
}

/** An environment variable name as Spark and the shell accept it (C identifier). */
export function isEnvName(value: string): boolean {
    return ENV_NAME.test(value);
}

export function isSecretKey(value: string): boolean {
    return (
        value.length <= DNS1123_SUBDOMAIN_MAX &&
        SECRET_KEY.test(value) &&
        value !== "." &&
        value !== ".."
    );
}

/** The first 8 hex digits of a string's FNV-1a hash: a short, stable suffix. */
function shortHash(value: string): string {
    let h = 0x811c9dc5;
    for (let i = 0; i < value.length; i++) {
        h ^= value.charCodeAt(i);
        h = Math.imul(h, 0x01000193) >>> 0;
    }
    return h.toString(16).padStart(8, "0");
}

/**
 * A DNS-1123 label made from a prefix and any name (a Secret's name may hold dots, a
 * label may not): the plain `prefix + name` when that is a label, else the name's
 * characters that fit, cut to length, with a hash of the whole name, so distinct names
 * stay distinct.
 */
export function labelFrom(prefix: string, name: string): string {
    const plain = `${prefix}${name}`;
    if (isDns1123Label(plain)) return plain;
    const suffix = `-${shortHash(name)}`;
    const room = DNS1123_LABEL_MAX - prefix.length - suffix.length;
    const cleaned = name
        .toLowerCase()
        .replace(/[^a-z0-9-]+/g, "-")
        .slice(0, room)
        .replace(/-+$/, "");
    return `${prefix}${cleaned}${suffix}`;
}
