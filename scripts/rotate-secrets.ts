/**
 * `npm run secrets:rotate`: re-seals every stored secret (the credentials store's) under
 * ENCRYPTION_KEY, for a key rotation (README, "Rotating ENCRYPTION_KEY"). Run it with the environment
 * the deployed functions have: the new key as ENCRYPTION_KEY and the old one in
 * ENCRYPTION_KEYS_PREVIOUS. Batches of `--batch-size` (default 100) credentials; a credential written
 * meanwhile is read and re-sealed again, never overwritten. Idempotent: run it until it reports
 * nothing left, then drop the old key. Exits 1 while a secret is left that no configured key opens.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { resealCredentials } from "../services/platform/credentials";
import { openLocalDatabase, repoRoot } from "./serve";

const usage = `Usage: npm run secrets:rotate [-- --batch-size <n>]

Re-seals every stored secret under ENCRYPTION_KEY; ENCRYPTION_KEYS_PREVIOUS (comma-separated) must
hold the keys that sealed the others. Runs on DATABASE_URL (or NETLIFY_DATABASE_URL; .env is read),
else on the local database in .data/postgres (through the running \`npm start\` if there is one).`;

const envFile = join(repoRoot, ".env");
if (existsSync(envFile)) process.loadEnvFile(envFile);

const args = process.argv.slice(2);
if (args.includes("--help") || args.includes("-h")) {
  console.log(usage);
  process.exit(0);
}
const sizeAt = args.indexOf("--batch-size");
const batchSize = sizeAt >= 0 ? Number(args[sizeAt + 1]) : 100;
if (!Number.isInteger(batchSize) || batchSize < 1 || args.some((arg, i) => arg.startsWith("-") && i !== sizeAt)) {
  console.error(usage);
  process.exit(1);
}

let exitCode = 0;
const database = await openLocalDatabase();
try {
  const result = await resealCredentials(database.db, {
    batchSize,
    onBatch: (progress) =>
      console.error(`… ${progress.checked} checked, ${progress.updated} re-sealed, ${progress.unreadable} unreadable`),
  });
  console.log(JSON.stringify(result, null, 2));
  console.log(
    result.unreadable > 0
      ? `${result.unreadable} secret(s) open with no configured key: add the key that sealed them to ENCRYPTION_KEYS_PREVIOUS and run again.`
      : `Every stored secret is sealed under key ${result.keyId} (ENCRYPTION_KEY): ENCRYPTION_KEYS_PREVIOUS can be emptied.`,
  );
  if (result.unreadable > 0) exitCode = 1;
} catch (error) {
  console.error("Rotation failed:", error);
  exitCode = 1;
} finally {
  await database.close();
}
process.exit(exitCode);
