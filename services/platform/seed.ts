import { inArray, sql } from "drizzle-orm";
import type { Database } from "../../db/client";
import { type ApiKeyScope, apiKeys, type Role, tenants, users } from "../../db/schema";
import { hashPassword } from "../../shared/auth/passwords";
import { sha256 } from "../../shared/auth/tokens";

/**
 * The demo tenant `npm start` creates so the API can be tried at once. Every value here is
 * public (it is in the README): this data is for a local database only, never production.
 */
export const DEMO_TENANT_NAME = "Demo Returns Co";
export const DEMO_PASSWORD = "demo-password";
/** A fixed, documented, development-only API key. Its `fd_` prefix is the one real keys carry. */
export const DEMO_API_KEY = "fd_demo_local_development_only_not_a_secret";
const DEMO_API_KEY_NAME = "Demo AI agent (development only)";
const DEMO_API_KEY_SCOPES: ApiKeyScope[] = ["read", "ai-agent"];

const DEMO_USERS = [
  { email: "demo@frontdesk.dev", name: "Demo Owner", role: "owner" },
  { email: "admin@frontdesk.dev", name: "Demo Admin", role: "admin" },
  { email: "agent@frontdesk.dev", name: "Demo Agent", role: "agent" },
] as const satisfies readonly { email: string; name: string; role: Role }[];

export interface DemoCredentials {
  tenantId: string;
  tenantName: string;
  users: { email: string; password: string; role: Role }[];
  apiKey: { key: string; scopes: ApiKeyScope[] };
  /** False when everything already existed and this run changed nothing. */
  created: boolean;
}

/**
 * Creates the demo tenant, its owner, an admin, an agent and one API key; the other modules' seeds
 * (services/<module>/seed.ts) add their rows to it. Idempotent: rows are found by email and key
 * hash, so a second run changes nothing
 * (and hashes no password).
 * If the owner's email already exists, the seed adopts that user's tenant.
 */
export async function seedDemoTenant(db: Database): Promise<DemoCredentials> {
  if (process.env.NODE_ENV === "production") {
    throw new Error("seedDemo creates publicly known credentials; it refuses to run with NODE_ENV=production");
  }
  const emails = DEMO_USERS.map((user) => user.email);
  const existing = await db
    .select({ email: sql<string>`lower(${users.email})`, tenantId: users.tenantId })
    .from(users)
    .where(inArray(sql`lower(${users.email})`, emails));
  const found = new Map(existing.map((row) => [row.email, row.tenantId]));
  const missing = DEMO_USERS.filter((user) => !found.has(user.email));
  // Hashing is the slow part (~0.4 s each at production cost); do it only for rows to insert.
  const hashes = await Promise.all(missing.map(() => hashPassword(DEMO_PASSWORD)));
  const keyHash = sha256(DEMO_API_KEY);

  return db.transaction(async (tx) => {
    let created = false;
    let tenantId = found.get(DEMO_USERS[0].email);
    if (!tenantId) {
      const [tenant] = await tx.insert(tenants).values({ name: DEMO_TENANT_NAME }).returning({ id: tenants.id });
      if (!tenant) throw new Error("tenant insert returned no row");
      tenantId = tenant.id;
      created = true;
    }
    if (missing.length > 0) {
      const inserted = await tx
        .insert(users)
        .values(missing.map((user, index) => ({ ...user, tenantId, passwordHash: hashes[index]! })))
        .onConflictDoNothing()
        .returning({ id: users.id });
      created ||= inserted.length > 0;
    }
    const [owner] = await tx
      .select({ id: users.id })
      .from(users)
      .where(sql`lower(${users.email}) = ${DEMO_USERS[0].email}`);
    const keys = await tx
      .insert(apiKeys)
      .values({
        tenantId,
        name: DEMO_API_KEY_NAME,
        prefix: DEMO_API_KEY.slice(0, 10),
        keyHash,
        scopes: DEMO_API_KEY_SCOPES,
        createdBy: owner?.id,
      })
      .onConflictDoNothing({ target: apiKeys.keyHash })
      .returning({ id: apiKeys.id });
    created ||= keys.length > 0;
    return {
      tenantId,
      tenantName: DEMO_TENANT_NAME,
      users: DEMO_USERS.map(({ email, role }) => ({ email, password: DEMO_PASSWORD, role })),
      apiKey: { key: DEMO_API_KEY, scopes: DEMO_API_KEY_SCOPES },
      created,
    };
  });
}
