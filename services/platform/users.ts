import { and, eq, getTableColumns, ilike, isNull, or, sql } from "drizzle-orm";
import type { z } from "zod";
import type { Database } from "../../db/client";
import { type Role, refreshTokens, users } from "../../db/schema";
import { hashPassword } from "../../shared/auth/passwords";
import { ADMINS } from "../../shared/auth/roles";
import type { ServiceContext, UserCaller } from "../../shared/context";
import { conflict, forbidden, isUniqueViolation, notFound, unauthorized, unprocessable } from "../../shared/errors";
import { likePattern, listPage } from "../../shared/pagination";
import { recordAudit } from "./audit";
import type { createUserBody, listUsersQuery, updateUserBody } from "./users.schemas";

// scripts/bench.ts reads the list query from here; it belongs to users.schemas.ts and goes once bench imports it there.

/** Every column a caller may see; the password hash is never selected. */
const { passwordHash: _secret, ...userColumns } = getTableColumns(users);

export { userColumns };

export async function listUsers(ctx: ServiceContext, query: z.infer<typeof listUsersQuery>) {
  const pattern = query.search && likePattern(query.search);
  const where = and(
    eq(users.tenantId, ctx.caller.tenantId),
    query.role ? eq(users.role, query.role) : undefined,
    pattern ? or(ilike(users.name, pattern), ilike(users.email, pattern)) : undefined,
  );
  return listPage(ctx.db, {
    table: users,
    columns: userColumns,
    where,
    sort: { by: [users.createdAt, users.id], direction: "asc" },
    page: query,
  });
}

export async function getUser(ctx: ServiceContext, id: string) {
  const [user] = await ctx.db
    .select(userColumns)
    .from(users)
    .where(and(eq(users.id, id), eq(users.tenantId, ctx.caller.tenantId)));
  if (!user) throw notFound("User");
  return user;
}

/**
 * The caller as the database has them now, not as their access token (valid up to 15 minutes)
 * says: a removed or demoted admin creates, changes and removes no one.
 */
function currentManager(caller: UserCaller, self: { role: Role } | undefined): UserCaller {
  if (!self) throw unauthorized("This user no longer exists");
  if (!ADMINS.some((role) => role === self.role)) throw forbidden();
  return { ...caller, role: self.role };
}

/** Owners may grant and change any role; admins may not touch owners or make new ones. */
function assertMayManage(caller: UserCaller, targetRole: string, newRole?: string): void {
  if (caller.role === "owner") return;
  if (targetRole === "owner" || newRole === "owner")
    throw forbidden("Only an owner can grant, change or remove the owner role");
}

export async function createUser(ctx: ServiceContext<UserCaller>, input: z.infer<typeof createUserBody>) {
  const { tenantId, userId } = ctx.caller;
  const passwordHash = await hashPassword(input.password);
  try {
    return await ctx.db.transaction(async (tx) => {
      const [self] = await tx
        .select({ role: users.role })
        .from(users)
        .where(and(eq(users.id, userId), eq(users.tenantId, tenantId)))
        .for("share");
      assertMayManage(currentManager(ctx.caller, self), input.role);
      const [user] = await tx
        .insert(users)
        .values({ tenantId, email: input.email, name: input.name, role: input.role, passwordHash })
        .returning(userColumns);
      if (!user) throw new Error("user insert returned no row");
      await recordAudit(tx, ctx, tenantId, {
        action: "user.created",
        entityType: "user",
        entityId: user.id,
        after: user,
      });
      return user;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict("A user with this email already exists");
    throw error;
  }
}

/**
 * Locks the user, the caller and every owner of the tenant in one statement, in id order, so two
 * owners changing each other at once queue instead of deadlocking, and the second sees the first's
 * change (Postgres re-checks a locked row's `role` after the wait).
 */
async function lockUserAndOwners(tx: Database, caller: UserCaller, id: string) {
  const rows = await tx
    .select(userColumns)
    .from(users)
    .where(
      and(
        eq(users.tenantId, caller.tenantId),
        or(eq(users.id, id), eq(users.id, caller.userId), eq(users.role, "owner")),
      ),
    )
    .orderBy(users.id)
    .for("update");
  const manager = currentManager(
    caller,
    rows.find((row) => row.id === caller.userId),
  );
  const user = rows.find((row) => row.id === id);
  if (!user) throw notFound("User");
  return { manager, user, otherOwners: rows.filter((row) => row.role === "owner" && row.id !== id).length };
}

/** Ends every session of the user: their refresh tokens stop working (access tokens run out within 15 min). */
async function revokeSessions(tx: Database, tenantId: string, userId: string): Promise<void> {
  await tx
    .update(refreshTokens)
    .set({ revokedAt: sql`now()` })
    .where(
      and(eq(refreshTokens.userId, userId), eq(refreshTokens.tenantId, tenantId), isNull(refreshTokens.revokedAt)),
    );
}

/** A new password signs the user out everywhere, in the same transaction as the change. */
export async function updateUser(ctx: ServiceContext<UserCaller>, id: string, input: z.infer<typeof updateUserBody>) {
  const { tenantId } = ctx.caller;
  const passwordHash = input.password ? await hashPassword(input.password) : undefined;
  try {
    return await ctx.db.transaction(async (tx) => {
      const { manager, user: before, otherOwners } = await lockUserAndOwners(tx, ctx.caller, id);
      assertMayManage(manager, before.role, input.role);
      if (before.role === "owner" && input.role && input.role !== "owner" && otherOwners === 0) {
        throw unprocessable("A tenant must keep at least one owner");
      }
      const [after] = await tx
        .update(users)
        .set({ email: input.email, name: input.name, role: input.role, passwordHash })
        .where(and(eq(users.id, id), eq(users.tenantId, tenantId)))
        .returning(userColumns);
      if (passwordHash) await revokeSessions(tx, tenantId, id);
      await recordAudit(tx, ctx, tenantId, {
        action: passwordHash ? "user.updated_with_password" : "user.updated",
        entityType: "user",
        entityId: id,
        before,
        after,
      });
      return after;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict("A user with this email already exists");
    throw error;
  }
}

export async function deleteUser(ctx: ServiceContext<UserCaller>, id: string): Promise<void> {
  const { tenantId } = ctx.caller;
  if (id === ctx.caller.userId) throw unprocessable("You cannot delete yourself");
  await ctx.db.transaction(async (tx) => {
    const { manager, user: before, otherOwners } = await lockUserAndOwners(tx, ctx.caller, id);
    assertMayManage(manager, before.role);
    if (before.role === "owner" && otherOwners === 0) {
      throw unprocessable("A tenant must keep at least one owner");
    }
    // The user's refresh tokens go with the row (ON DELETE CASCADE), so their sessions end in this statement.
    await tx.delete(users).where(and(eq(users.id, id), eq(users.tenantId, tenantId)));
    await recordAudit(tx, ctx, tenantId, { action: "user.deleted", entityType: "user", entityId: id, before });
  });
}
