/**
 * @kubernetes/client-node 2.x and some of its dependencies are ES modules: Node loads
 * them with require(), Jest's module loader does not, so ts-jest turns them into
 * CommonJS for the tests.
 */
const esmPackages = [
    "@kubernetes/client-node",
    "openid-client",
    "oauth4webapi",
    "jose",
    "jsonpath-plus",
    "rfc4648",
    "socks-proxy-agent",
    "agent-base",
    "js-yaml",
];

/** @type {import('jest').Config} */
module.exports = {
    testEnvironment: "node",
    roots: ["<rootDir>/package/test", "<rootDir>/test"],
    testMatch: ["**/*.test.ts"],
    testTimeout: 60000,
    setupFiles: ["<rootDir>/jest.setup.js"],
    // The program's tests run the package from its sources, as its own tests do.
    moduleNameMapper: {
        "^@pyspark-k8s/pulumi$": "<rootDir>/package/src/index.ts",
        "^@pyspark-k8s/pulumi/run$": "<rootDir>/package/src/run/providers.ts",
    },
    transform: {
        "^.+\\.[cm]?[tj]s$": ["ts-jest", { tsconfig: { allowJs: true, isolatedModules: true } }],
    },
    transformIgnorePatterns: [`/node_modules/(?!(${esmPackages.join("|")})/)`],
};
