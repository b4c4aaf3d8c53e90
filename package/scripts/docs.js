// The arguments and outputs tables of the README, generated from the package's schema
// (which the SDK's analyzer infers from the components' TypeScript types and TSDoc), so
// the README cannot drift from the code. Each table sits between markers in the README:
//   <!-- generated:SparkJob --> ... <!-- /generated:SparkJob -->
// Usage: node scripts/docs.js README.md [more.md ...]   (rewrites the tables in place)
//        node scripts/docs.js --check README.md         (exit 1 if a table is stale)
"use strict";
const fs = require("fs");
const path = require("path");

/** A type as a person reads it: `string`, `map of string`, `list of TolerationArgs`. */
function typeText(prop) {
    if (prop.$ref)
        return `[${prop.$ref.split(":").pop()}](#${prop.$ref.split(":").pop().toLowerCase()})`;
    if (prop.type === "array") return `list of ${typeText(prop.items)}`;
    if (prop.type === "object" && prop.additionalProperties)
        return `map of ${typeText(prop.additionalProperties)}`;
    return prop.type;
}

function cell(text) {
    return (text ?? "").replace(/\n+/g, " ").replace(/\|/g, "\\|");
}

/** One table of properties: name, type, required, meaning (with its default). */
function table(properties, required) {
    const rows = Object.entries(properties).map(
        ([name, prop]) =>
            `| \`${name}\` | ${typeText(prop)} | ${required.includes(name) ? "yes" : ""} | ${cell(prop.description)} |`,
    );
    return ["| name | type | required | meaning |", "| --- | --- | --- | --- |", ...rows].join(
        "\n",
    );
}

/** The enum's values and what each means. */
function enumTable(type) {
    const rows = type.enum.map((e) => `| \`${e.value}\` | ${cell(e.description)} |`);
    return ["| value | meaning |", "| --- | --- |", ...rows].join("\n");
}

/** Every generated block, by its marker name. */
function blocks(schema) {
    const out = {};
    for (const [token, resource] of Object.entries(schema.resources)) {
        const name = token.split(":").pop();
        // The component's summary: the first paragraph of its TSDoc.
        const summary = (resource.description ?? "").split(/\n\s*\n/)[0];
        out[name] = [
            `\`${token}\`${summary ? `: ${cell(summary)}` : ""}`,
            "",
            "Arguments:",
            "",
            table(resource.inputProperties, resource.requiredInputs ?? []),
            "",
            "Outputs:",
            "",
            table(resource.properties, resource.required ?? []),
        ].join("\n");
    }
    const types = Object.entries(schema.types)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([token, type]) => {
            const name = token.split(":").pop();
            return [
                `#### ${name}`,
                "",
                type.enum ? enumTable(type) : table(type.properties, type.required ?? []),
            ].join("\n");
        });
    out.types = types.join("\n\n");
    return out;
}

/** The document with every generated block replaced. */
function render(text, schema) {
    const generated = blocks(schema);
    return text.replace(
        /<!-- generated:(\w+) -->\n[\s\S]*?<!-- \/generated:\1 -->/g,
        (whole, name) => {
            if (!(name in generated)) throw new Error(`no generated block named ${name}`);
            return `<!-- generated:${name} -->\n${generated[name]}\n<!-- /generated:${name} -->`;
        },
    );
}

module.exports = { render, blocks };

if (require.main === module) {
    const args = process.argv.slice(2);
    const check = args[0] === "--check";
    const schema = JSON.parse(
        fs.readFileSync(path.join(__dirname, "..", "dist", "schema.json"), "utf8"),
    );
    let stale = 0;
    for (const file of check ? args.slice(1) : args) {
        const text = fs.readFileSync(file, "utf8");
        const next = render(text, schema);
        if (next === text) continue;
        if (check) {
            console.error(
                `${file}: the generated tables are stale; run node package/scripts/docs.js ${file}`,
            );
            stale++;
        } else fs.writeFileSync(file, next);
    }
    process.exit(stale > 0 ? 1 : 0);
}
