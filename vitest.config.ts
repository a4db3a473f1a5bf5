import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    globalSetup: ["tests/helpers/global-setup.ts"],
    setupFiles: ["tests/helpers/setup.ts"],
    env: {
      LOG_LEVEL: "silent",
      NODE_ENV: "test",
      // Low scrypt cost keeps hundreds of sign-ups fast; hashes record their own cost.
      PASSWORD_HASH_COST: "10",
      JWT_SECRET: "test-jwt-secret-that-is-long-enough-0123456789",
      ENCRYPTION_KEY: "test-encryption-key-that-is-long-enough-0123456789",
    },
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
