import { DrizzleQueryError } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "../../db/client";
import { users } from "../../db/schema";
import { registerTenant } from "../../scripts/dev/fixtures";
import { describeError } from "../../services/platform/jobs";
import { hashPassword } from "../../shared/auth/passwords";

describe("describeError", () => {
  it("describes a failed insert by the server's message, SQLSTATE and constraint, never the values", async () => {
    const owner = await registerTenant("describe");
    const passwordHash = await hashPassword("a password nobody stores twice");
    const db = await getDb();
    const failure = await db
      .insert(users)
      .values({ tenantId: owner.tenantId, email: owner.email.toUpperCase(), name: "Twin", role: "agent", passwordHash })
      .catch((error: unknown) => error);

    const described = describeError(failure);
    expect(described).toMatch(/^duplicate key value violates unique constraint/);
    expect(described).toContain("SQLSTATE 23505, constraint users_email_key");
    expect(described.toLowerCase()).not.toContain(owner.email);
    expect(described).not.toContain(passwordHash);
    expect(described).not.toContain("params");
  });

  it("describes a query that never reached the server by its cause", () => {
    const lost = new DrizzleQueryError("select $1", ["sealed-token"], new Error("connect ECONNREFUSED 127.0.0.1:5432"));
    expect(describeError(lost)).toBe("connect ECONNREFUSED 127.0.0.1:5432");
  });

  it("names the upstream and its status", () => {
    const answered = Object.assign(new Error("Too many requests"), { status: 429 });
    expect(describeError(answered, "Retell")).toBe("Retell answered 429: Too many requests");
    expect(describeError("plain")).toBe("plain");
  });
});
