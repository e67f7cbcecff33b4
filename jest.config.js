// Three tiers (see ARCHITECTURE.md): unit = pure logic, no I/O; integration = one
// service against real PostgreSQL and Redis; e2e = the real apps started as processes
// and driven from outside, including the dashboard in headless Chromium.
const common = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  moduleNameMapper: { '^@crosscast/(.*)$': '<rootDir>/libs/$1/src' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }],
  },
};

// Specs on real servers get a 60 s default test timeout (test/support/real-servers.setup.ts).
const realServers = { setupFilesAfterEnv: ['<rootDir>/test/support/real-servers.setup.ts'] };

module.exports = {
  rootDir: __dirname,
  projects: [
    { ...common, displayName: 'unit', rootDir: __dirname, testMatch: ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/apps/**/*.spec.ts', '<rootDir>/test/static/**/*.spec.ts', '<rootDir>/tools/**/*.spec.ts'] },
    { ...common, ...realServers, displayName: 'integration', rootDir: __dirname, testMatch: ['<rootDir>/test/integration/**/*.int-spec.ts'] },
    { ...common, ...realServers, displayName: 'e2e', rootDir: __dirname, testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'] },
    // Fault survival and bad-input suites (real processes and servers; the long pole is a
    // 5-minute network cut): only with `npm run test:faults`, not in the default `npm test`.
    ...(process.env.CROSSCAST_FAULTS === '1'
      ? [
          { ...common, ...realServers, displayName: 'faults', rootDir: __dirname, testMatch: ['<rootDir>/test/faults/**/*.fault-spec.ts'] },
          { ...common, ...realServers, displayName: 'fuzz', rootDir: __dirname, testMatch: ['<rootDir>/test/fuzz/**/*.fuzz-spec.ts'] },
        ]
      : []),
  ],
};
