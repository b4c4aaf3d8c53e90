/** The end-to-end scenario on the local cluster (npm run e2e): cases of their own, run one at a time. */
const unit = require("./jest.config");

/** @type {import('jest').Config} */
module.exports = {
    ...unit,
    roots: ["<rootDir>/e2e"],
    globalSetup: "<rootDir>/e2e/globalSetup.ts",
    setupFilesAfterEnv: ["<rootDir>/e2e/progress.ts"],
    testTimeout: 20 * 60 * 1000,
    maxWorkers: 1,
};
