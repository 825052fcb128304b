// Three tiers: unit specs beside the code, medium specs (services against real Postgres/Redis)
// beside the code, and e2e specs under test/ that drive running processes over HTTP.
const { readFileSync } = require('node:fs');

const swc = JSON.parse(readFileSync(`${__dirname}/.swcrc`, 'utf8'));
delete swc.$schema;
const transform = { '^.+\\.ts$': ['@swc/jest', { ...swc, swcrc: false }] };
const moduleNameMapper = {
  '^@nefos/contracts$': '<rootDir>/libs/contracts/src',
  '^@nefos/contracts/(.*)$': '<rootDir>/libs/contracts/src/$1',
  '^@nefos/database$': '<rootDir>/libs/database/src',
  '^@nefos/database/(.*)$': '<rootDir>/libs/database/src/$1',
};
const CODE = '<rootDir>/{src,master,eventd,dispatcher,console,manage,stack,hooks,libs,bench}/**';
const common = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform,
  moduleNameMapper,
  modulePathIgnorePatterns: ['<rootDir>/dist/', '<rootDir>/.run/'],
};

module.exports = {
  testTimeout: 300000,
  projects: [
    { ...common, displayName: 'unit', testMatch: [`${CODE}/*.spec.ts`] },
    {
      ...common,
      displayName: 'medium',
      testMatch: [`${CODE}/*.medium-spec.ts`],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
};
