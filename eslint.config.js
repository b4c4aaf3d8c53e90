// ESLint: typescript-eslint's recommended type-checked rules plus Pulumi's rules
// against Outputs in template literals.
const tseslint = require("typescript-eslint");
const pulumi = require("@pulumi/eslint-plugin");

module.exports = tseslint.config(
    {
        ignores: [
            "node_modules/**",
            "bin/**",
            "package/dist/**",
            "package/scripts/*.js",
            "jest.setup.js",
            "coverage/**",
            "eslint.config.js",
            "jest.config.js",
            "package/test/fixtures/*.js",
            "local/**",
            "toolchain/**",
            "jest.e2e.config.js",
        ],
    },
    ...tseslint.configs.recommendedTypeChecked,
    {
        languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: __dirname } },
        plugins: { "@pulumi": pulumi },
        rules: {
            "@pulumi/no-output-in-template-literal": "error",
            "@pulumi/no-output-instance-in-template-literal": "error",
            "@typescript-eslint/no-floating-promises": "error",
        },
    },
    {
        // Mocked resource inputs are untyped by nature.
        files: ["test/**/*.ts", "package/test/**/*.ts"],
        rules: {
            "@typescript-eslint/no-unsafe-member-access": "off",
            "@typescript-eslint/no-unsafe-assignment": "off",
            "@typescript-eslint/no-unsafe-argument": "off",
            "@typescript-eslint/no-unsafe-return": "off",
            "@typescript-eslint/unbound-method": "off",
        },
    },
);
