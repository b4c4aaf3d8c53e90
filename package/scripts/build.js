// Builds the package: TypeScript to dist/ (with declarations), then the Pulumi schema
// the plugin serves (dist/schema.json). Usage: node scripts/build.js
"use strict";
const { execFileSync } = require("child_process");
const path = require("path");
const { packageSchema } = require("./schema");
const fs = require("fs");

const dir = path.join(__dirname, "..");
const tsc = require.resolve("typescript/bin/tsc", { paths: [dir] });
execFileSync(process.execPath, [tsc, "-p", path.join(dir, "tsconfig.json")], { stdio: "inherit" });
fs.writeFileSync(
    path.join(dir, "dist", "schema.json"),
    `${JSON.stringify(packageSchema(dir), null, 2)}\n`,
);
