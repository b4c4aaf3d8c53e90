import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { directoryHash } from "../src/lib/contentHash";

describe("directoryHash", () => {
    it("changes with a file's content and not with where the directory lives or caches", () => {
        const make = () => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hash-"));
            fs.mkdirSync(path.join(dir, "jobs"));
            fs.writeFileSync(path.join(dir, "jobs", "pi.py"), "print(1)\n");
            return dir;
        };
        const a = make();
        const b = make();
        try {
            expect(directoryHash(a)).toBe(directoryHash(b));
            fs.mkdirSync(path.join(b, "__pycache__"));
            fs.writeFileSync(path.join(b, "__pycache__", "pi.pyc"), "x");
            expect(directoryHash(b)).toBe(directoryHash(a));
            fs.writeFileSync(path.join(b, "jobs", "pi.py"), "print(2)\n");
            expect(directoryHash(b)).not.toBe(directoryHash(a));
        } finally {
            for (const dir of [a, b]) fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
