/**
 * @kubernetes/client-node 1.x and some of its dependencies are ES modules: Node loads
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
];

/** @type {import('jest').Config} */
module.exports = {
    testEnvironment: "node",
    roots: ["<rootDir>/test"],
    testMatch: ["**/*.test.ts"],
    testTimeout: 60000,
    transform: {
        "^.+\\.[cm]?[tj]s$": ["ts-jest", { tsconfig: { allowJs: true, isolatedModules: true } }],
    },
    transformIgnorePatterns: [`/node_modules/(?!(${esmPackages.join("|")})/)`],
};
