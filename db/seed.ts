import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type DemoCredentials, seedDemoTenant } from "../services/platform/seed";
import type { Database } from "./client";

export { DEMO_API_KEY, DEMO_PASSWORD, type DemoCredentials } from "../services/platform/seed";

/** What a module's `services/<module>/seed.ts` exports: it adds its demo rows to the demo tenant, idempotently. */
type ModuleSeed = (db: Database, demo: DemoCredentials) => Promise<boolean>;

const servicesDirectory = fileURLToPath(new URL("../services/", import.meta.url));

/** The modules with a demo seed, platform aside, found by their `seed.ts`. */
function seededModules(): string[] {
  return readdirSync(servicesDirectory, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && entry.name !== "platform")
    .filter((entry) => readdirSync(`${servicesDirectory}${entry.name}`).includes("seed.ts"))
    .map((entry) => entry.name)
    .sort();
}

/**
 * The demo data `npm start` serves: the platform's demo tenant (services/platform/seed.ts), then
 * every other module's rows in it. Each seed is idempotent, so a second run changes nothing; only
 * for local databases (the platform's seed refuses NODE_ENV=production).
 */
export async function seedDemo(db: Database): Promise<DemoCredentials> {
  const demo = await seedDemoTenant(db);
  for (const module of seededModules()) {
    const { seed } = (await import(`${servicesDirectory}${module}/seed.ts`)) as { seed: ModuleSeed };
    if (await seed(db, demo)) demo.created = true;
  }
  return demo;
}
