/** The end-to-end scenario on the local cluster (npm run e2e): long, serial steps. */
const unit = require("./jest.config");

/** @type {import('jest').Config} */
module.exports = {
    ...unit,
    roots: ["<rootDir>/e2e"],
    testTimeout: 20 * 60 * 1000,
    maxWorkers: 1,
};
