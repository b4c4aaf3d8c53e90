/** The end-to-end scenario on the local cluster (npm run e2e): long, serial steps. */
/** @type {import('jest').Config} */
module.exports = {
    preset: "ts-jest",
    testEnvironment: "node",
    roots: ["<rootDir>/e2e"],
    testMatch: ["**/*.test.ts"],
    testTimeout: 20 * 60 * 1000,
    maxWorkers: 1,
};
