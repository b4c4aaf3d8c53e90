/**
 * Exec credential plugins (EKS, GKE) hand out tokens with an expiry. The Kubernetes
 * client runs the plugin again only once the token has expired, so a request made in
 * its last seconds can still fail. The runner therefore has the plugin's answer say
 * that the token expires a margin earlier. Pure: the plugin's output in, the output to
 * hand on out.
 */

/** How long before a token's real expiry the runner fetches a new one. */
export const EXPIRY_MARGIN_MS = 60_000;

/**
 * The plugin's ExecCredential JSON with `status.expirationTimestamp` moved `marginMs`
 * earlier (but not before `now`); anything else is returned unchanged.
 */
export function withEarlierExpiry(output: string, marginMs: number, now: number): string {
    let credential: { status?: { expirationTimestamp?: string } };
    try {
        credential = JSON.parse(output) as typeof credential;
    } catch {
        return output;
    }
    const expiry = Date.parse(credential.status?.expirationTimestamp ?? "");
    if (!credential.status || Number.isNaN(expiry)) return output;
    const earlier = Math.max(expiry - marginMs, now);
    return JSON.stringify({
        ...credential,
        status: { ...credential.status, expirationTimestamp: new Date(earlier).toISOString() },
    });
}
