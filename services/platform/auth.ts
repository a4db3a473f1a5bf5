import { and, eq, getTableColumns, gt, isNull, or, type SQL, sql } from "drizzle-orm";
import type { z } from "zod";
import { type Database, preparedStatement } from "../../db/client";
import { refreshTokens, tenants, users } from "../../db/schema";
import { DUMMY_PASSWORD_HASH, hashPassword, verifyPassword } from "../../shared/auth/passwords";
import {
  ACCESS_TOKEN_TTL_SECONDS,
  REFRESH_TOKEN_REUSE_SECONDS,
  REFRESH_TOKEN_TTL_SECONDS,
  randomToken,
  sha256,
  signAccessToken,
} from "../../shared/auth/tokens";
import type { Caller, ServiceContext, UserCaller } from "../../shared/context";
import { conflict, isUniqueViolation, unauthorized } from "../../shared/errors";
import { recordAudit } from "./audit";
import type { loginBody, refreshBody, registerBody, TenantRow } from "./auth.schemas";
import {
  type Counter,
  checkAll,
  consume,
  consumeAll,
  LOGIN_FAILURES,
  LOGIN_FAILURES_PER_IP,
  REGISTRATIONS,
  reset,
} from "./rate-limit";
import { userColumns } from "./users";
import type { UserRow } from "./users.schemas";

const { updatedAt: _updated, ...tenantColumns } = getTableColumns(tenants);

type PublicContext = ServiceContext<Caller>;
type Account = { user: UserRow; tenant: TenantRow };

/** The user and their tenant, without the password hash (only login reads that, in its own query). */
function selectAccount(db: Database) {
  return db
    .select({ user: userColumns, tenant: tenantColumns })
    .from(users)
    .innerJoin(tenants, eq(tenants.id, users.tenantId));
}

function findAccount(db: Database, where: SQL | undefined) {
  return selectAccount(db)
    .where(where)
    .then(([row]) => row);
}

/** me()'s statement, prepared: front ends call it on every page load. */
const callerAccount = preparedStatement((db) =>
  selectAccount(db)
    .where(and(eq(users.id, sql.placeholder("userId")), eq(users.tenantId, sql.placeholder("tenantId"))))
    .prepare("auth_me"),
);

/** A new refresh token in `familyId` (a new family at login) and a fresh access token. */
async function issueSession(db: Database, account: Account, familyId?: string) {
  const refreshToken = randomToken();
  const refreshTokenExpiresAt = new Date(Date.now() + REFRESH_TOKEN_TTL_SECONDS * 1000);
  await db.insert(refreshTokens).values({
    tenantId: account.tenant.id,
    userId: account.user.id,
    familyId: familyId ?? crypto.randomUUID(),
    tokenHash: sha256(refreshToken),
    expiresAt: refreshTokenExpiresAt,
  });
  const accessToken = await signAccessToken({
    userId: account.user.id,
    tenantId: account.tenant.id,
    role: account.user.role,
  });
  return {
    user: account.user,
    tenant: account.tenant,
    tokenType: "Bearer" as const,
    accessToken,
    accessTokenExpiresAt: new Date(Date.now() + ACCESS_TOKEN_TTL_SECONDS * 1000),
    refreshToken,
    refreshTokenExpiresAt,
  };
}

/** Creates a tenant and its owner and signs the owner in. Rate limited per client IP. */
export async function register(ctx: PublicContext, input: z.infer<typeof registerBody>) {
  await consume(ctx.db, `register:${ctx.ip}`, REGISTRATIONS);
  const passwordHash = await hashPassword(input.password);
  try {
    return await ctx.db.transaction(async (tx) => {
      const [tenant] = await tx
        .insert(tenants)
        .values({ name: input.tenantName ?? input.name })
        .returning(tenantColumns);
      if (!tenant) throw new Error("tenant insert returned no row");
      const [user] = await tx
        .insert(users)
        .values({ tenantId: tenant.id, email: input.email, name: input.name, role: "owner", passwordHash })
        .returning(userColumns);
      if (!user) throw new Error("user insert returned no row");
      const actorCtx = {
        ...ctx,
        caller: { kind: "user", userId: user.id, tenantId: tenant.id, role: "owner" } as UserCaller,
      };
      await recordAudit(tx, actorCtx, tenant.id, {
        action: "tenant.registered",
        entityType: "tenant",
        entityId: tenant.id,
        after: { tenant, user },
      });
      return issueSession(tx, { user, tenant });
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict("An account with this email already exists");
    throw error;
  }
}

/**
 * Failed attempts are counted per email and IP, and per IP across emails (password spraying);
 * past either limit the caller waits for the window to end, even with the right password. A
 * success clears the email's count only, so one known account cannot reset the IP's. A miss
 * costs the same time as a wrong password, so emails cannot be probed.
 */
export async function login(ctx: PublicContext, input: z.infer<typeof loginBody>) {
  const perEmail = `login:${input.email}:${ctx.ip}`;
  const failures: Counter[] = [
    { key: perEmail, limit: LOGIN_FAILURES },
    { key: `login:ip:${ctx.ip}`, limit: LOGIN_FAILURES_PER_IP },
  ];
  await checkAll(ctx.db, failures);
  const [account] = await ctx.db
    .select({ user: userColumns, tenant: tenantColumns, passwordHash: users.passwordHash })
    .from(users)
    .innerJoin(tenants, eq(tenants.id, users.tenantId))
    .where(eq(sql`lower(${users.email})`, input.email));
  const valid = await verifyPassword(input.password, account?.passwordHash ?? DUMMY_PASSWORD_HASH);
  if (!account || !valid) {
    await consumeAll(ctx.db, failures);
    throw unauthorized("Invalid email or password");
  }
  await reset(ctx.db, perEmail);
  return issueSession(ctx.db, account);
}

/**
 * Rotates a refresh token: the presented one is spent and a new one in the same family is issued.
 * A spent token still refreshes for REFRESH_TOKEN_REUSE_SECONDS after it was first spent, so two
 * tabs refreshing at once both stay signed in (the later one gets a sibling in the family; the
 * successor is stored hashed and is never handed out twice). Past that, presenting a spent token
 * means it leaked, so its whole family is revoked.
 *
 * The interval is decided by the UPDATE's own conditions: a concurrent refresh of the same token
 * waits for the first one's row lock and then re-checks them against the row it committed.
 */
export async function refresh(ctx: PublicContext, input: z.infer<typeof refreshBody>) {
  const tokenHash = sha256(input.refreshToken);
  const reuseInterval = sql`make_interval(secs => ${REFRESH_TOKEN_REUSE_SECONDS})`;
  const session = await ctx.db.transaction(async (tx) => {
    const [spent] = await tx
      .update(refreshTokens)
      // Kept from the first spend, so reuse cannot stretch the interval.
      .set({ spentAt: sql`coalesce(${refreshTokens.spentAt}, now())` })
      .where(
        and(
          eq(refreshTokens.tokenHash, tokenHash),
          isNull(refreshTokens.revokedAt),
          gt(refreshTokens.expiresAt, sql`now()`),
          or(isNull(refreshTokens.spentAt), gt(refreshTokens.spentAt, sql`now() - ${reuseInterval}`)),
        ),
      )
      .returning({ userId: refreshTokens.userId, tenantId: refreshTokens.tenantId, familyId: refreshTokens.familyId });
    if (!spent) return undefined;
    const account = await findAccount(tx, and(eq(users.id, spent.userId), eq(users.tenantId, spent.tenantId)));
    return account && issueSession(tx, account, spent.familyId);
  });
  if (session) return session;
  await revokeFamilyOf(ctx.db, tokenHash);
  throw unauthorized("Refresh token is invalid, expired or already used");
}

async function revokeFamilyOf(db: Database, tokenHash: string, userId?: string): Promise<void> {
  const family = db
    .select({ familyId: refreshTokens.familyId })
    .from(refreshTokens)
    .where(and(eq(refreshTokens.tokenHash, tokenHash), userId ? eq(refreshTokens.userId, userId) : undefined));
  await db
    .update(refreshTokens)
    .set({ revokedAt: sql`coalesce(${refreshTokens.revokedAt}, now())` })
    .where(sql`${refreshTokens.familyId} in ${family}`);
}

/** Ends the session the refresh token belongs to (its whole family). Idempotent. */
export async function signout(ctx: ServiceContext<UserCaller>, input: z.infer<typeof refreshBody>): Promise<void> {
  await revokeFamilyOf(ctx.db, sha256(input.refreshToken), ctx.caller.userId);
}

/** The signed-in user and their tenant: one statement. */
export async function me(ctx: ServiceContext<UserCaller>) {
  const { userId, tenantId } = ctx.caller;
  const [account] = await callerAccount(ctx.db).execute({ userId, tenantId });
  if (!account) throw unauthorized("This user no longer exists");
  return { user: account.user, tenant: account.tenant };
}
