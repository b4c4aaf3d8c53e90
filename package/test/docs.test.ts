/**
 * The documentation cannot drift from the code: the READMEs' argument tables are what the
 * schema generator makes of the components' TSDoc today, the shipped schema is that
 * schema, and every default a TSDoc states is the default the validation applies.
 */
import * as fs from "fs";
import * as path from "path";
import {
    jobImageArgsSchema,
    sparkHistoryServerArgsSchema,
    sparkJobArgsSchema,
    sparkLogKeeperArgsSchema,
    sparkRbacArgsSchema,
} from "../src/lib/componentArgs";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { packageSchema } = require("../scripts/schema") as {
    packageSchema: (dir: string) => Schema;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { render } = require("../scripts/docs") as {
    render: (text: string, schema: Schema) => string;
};

interface Property {
    readonly description?: string;
    readonly $ref?: string;
}
interface Schema {
    readonly resources: Record<string, { inputProperties: Record<string, Property> }>;
    readonly types: Record<string, { properties?: Record<string, Property> }>;
}

const PACKAGE = path.join(__dirname, "..");
let schema: Schema;
beforeAll(() => {
    schema = packageSchema(PACKAGE);
}, 120_000);

describe("the documentation", () => {
    it.each([path.join(PACKAGE, "README.md"), path.join(PACKAGE, "..", "README.md")])(
        "%s: the generated tables are today's",
        (file) => {
            const text = fs.readFileSync(file, "utf8");
            expect(text).toContain("<!-- generated:SparkJob -->");
            expect(render(text, schema)).toBe(text);
        },
    );

    it("the shipped schema is the one the TSDoc makes (after npm run build)", () => {
        const shipped = path.join(PACKAGE, "dist", "schema.json");
        expect(JSON.parse(fs.readFileSync(shipped, "utf8"))).toEqual(
            JSON.parse(JSON.stringify(schema)),
        );
    });

    /** Every "Default: `x`" of the TSDoc of these properties, by property. */
    const stated = (properties: Record<string, Property>) =>
        Object.entries(properties).flatMap(([name, p]) => {
            const found = /Default: `([^`]*)`/.exec(p.description ?? "");
            return found ? [[name, found[1]] as const] : [];
        });
    const same = (documented: string, actual: unknown) =>
        documented === String(actual) || documented === JSON.stringify(actual);

    it("every default the TSDoc of a component states is the one its validation applies", () => {
        const minimal = {
            "pyspark-k8s:job:SparkJob": sparkJobArgsSchema.parse({
                app: "a.py",
                namespace: "n",
                serviceAccountName: "s",
                image: `r@sha256:${"a".repeat(64)}`,
            }),
            "pyspark-k8s:rbac:SparkRbac": sparkRbacArgsSchema.parse({ namespace: "n" }),
            "pyspark-k8s:image:JobImage": jobImageArgsSchema.parse({
                mode: "cli",
                registry: "r",
                repository: "j",
            }),
            "pyspark-k8s:history:SparkHistoryServer": sparkHistoryServerArgsSchema.parse({
                namespace: "n",
                image: `r@sha256:${"a".repeat(64)}`,
                logDirectory: "s3a://bucket/events",
            }),
            "pyspark-k8s:logs:SparkLogKeeper": sparkLogKeeperArgsSchema.parse({
                namespace: "n",
                image: `r@sha256:${"a".repeat(64)}`,
                dir: "s3://bucket/logs",
            }),
        };
        let checked = 0;
        for (const [token, parsed] of Object.entries(minimal)) {
            for (const [name, documented] of stated(schema.resources[token].inputProperties)) {
                const actual = (parsed as Record<string, unknown>)[name];
                // A default stated as another setting's name ("Default: `cores`") is derived.
                if (actual === undefined && /^[a-z]+$/.test(documented)) continue;
                expect([token, name, same(documented, actual)]).toEqual([token, name, true]);
                checked++;
            }
        }
        expect(checked).toBeGreaterThan(8);
    });

    it("every default the TSDoc of a nested argument states is the one validation applies", () => {
        const job = sparkJobArgsSchema.parse({
            app: "a.py",
            namespace: "n",
            serviceAccountName: "s",
            image: `r@sha256:${"a".repeat(64)}`,
            schedule: "0 3 * * *",
            eventLog: { dir: "s3a://bucket/events" },
            metrics: {},
        }) as unknown as Record<string, Record<string, unknown>>;
        const where: Record<string, Record<string, unknown>> = {
            SparkPodArgs: job.driver,
            SparkExecutorArgs: job.executor,
            DynamicAllocationArgs: job.dynamicAllocation,
            ScheduleArgs: job.schedule,
            ObjectStoreArgs: job.eventLog.store as Record<string, unknown>,
            MetricsArgs: job.metrics,
        };
        let checked = 0;
        for (const [type, parsed] of Object.entries(where)) {
            for (const [name, documented] of stated(
                schema.types[`pyspark-k8s:index:${type}`].properties ?? {},
            )) {
                if (parsed[name] === undefined) continue; // derived from another setting
                expect([type, name, same(documented, parsed[name])]).toEqual([type, name, true]);
                checked++;
            }
        }
        expect(checked).toBeGreaterThan(8);
    });
});
