// The package's Pulumi schema, inferred from the components' TypeScript types and TSDoc
// by the Pulumi SDK's analyzer, with each component under its own module
// (pyspark-k8s:job:SparkJob). Usage: node scripts/schema.js [OUT]  (default: print it)
"use strict";
const fs = require("fs");
const path = require("path");
const { Analyzer } = require("@pulumi/pulumi/provider/experimental/analyzer");
const { generateSchema } = require("@pulumi/pulumi/provider/experimental/schema");

const NAME = "pyspark-k8s";
/** Each component and the module of its type token. */
const MODULES = {
    SparkJob: "job",
    SparkRbac: "rbac",
    JobImage: "image",
    SparkHistoryServer: "history",
    SparkLogKeeper: "logs",
};

function packageSchema(dir) {
    const packageJSON = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
    const analyzer = new Analyzer(dir, NAME, packageJSON, new Set(Object.keys(MODULES)));
    const { components, typeDefinitions, dependencies } = analyzer.analyze();
    const schema = generateSchema(
        NAME,
        packageJSON.version,
        packageJSON.description,
        components,
        typeDefinitions,
        dependencies,
    );
    schema.displayName = "PySpark on Kubernetes";
    schema.resources = Object.fromEntries(
        Object.entries(schema.resources).map(([token, resource]) => {
            const type = token.split(":")[2];
            return [`${NAME}:${MODULES[type]}:${type}`, resource];
        }),
    );
    return schema;
}

module.exports = { packageSchema, MODULES };

if (require.main === module) {
    const text = `${JSON.stringify(packageSchema(path.join(__dirname, "..")), null, 2)}\n`;
    if (process.argv[2]) fs.writeFileSync(process.argv[2], text);
    else process.stdout.write(text);
}
