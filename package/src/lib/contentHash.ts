/** A stable hash of a directory's files, to tell when an image must be rebuilt. */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";

/** Names never part of an image build context's identity. */
const IGNORED = new Set(["__pycache__", ".pytest_cache", ".git", "node_modules", ".venv"]);

function listFiles(dir: string, prefix = ""): string[] {
    const out: string[] = [];
    for (const entry of fs.readdirSync(path.join(dir, prefix), { withFileTypes: true })) {
        if (IGNORED.has(entry.name) || entry.name.endsWith(".pyc")) continue;
        const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
        if (entry.isDirectory()) out.push(...listFiles(dir, rel));
        else if (entry.isFile()) out.push(rel);
    }
    return out;
}

/**
 * SHA-256 over the relative paths and contents of every file under `dir`, in sorted
 * order: the same for the same files wherever the directory lives.
 */
export function directoryHash(dir: string): string {
    const hash = createHash("sha256");
    for (const rel of listFiles(dir).sort()) {
        hash.update(rel)
            .update("\0")
            .update(fs.readFileSync(path.join(dir, rel)))
            .update("\0");
    }
    return hash.digest("hex");
}
