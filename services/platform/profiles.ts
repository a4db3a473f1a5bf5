import { and, eq } from "drizzle-orm";
import type { z } from "zod";
import { tenants, users } from "../../db/schema";
import type { ServiceContext, UserCaller } from "../../shared/context";
import { forbidden, unauthorized } from "../../shared/errors";
import { recordAudit } from "./audit";
import type { updateProfileBody } from "./profiles.schemas";

/**
 * Spec 000's profile: the signed-in user together with their business. The business fields
 * live on the tenant, so only its owners and admins may change them.
 */

const profileColumns = {
  userId: users.id,
  email: users.email,
  name: users.name,
  role: users.role,
  businessId: tenants.id,
  businessName: tenants.name,
  website: tenants.website,
  subscriptionPlan: tenants.subscriptionPlan,
  onboarded: tenants.onboarded,
  createdAt: users.createdAt,
};

type Db = ServiceContext["db"];

async function readProfile(db: Db, caller: UserCaller, lock = false) {
  const query = db
    .select(profileColumns)
    .from(users)
    .innerJoin(tenants, eq(tenants.id, users.tenantId))
    .where(and(eq(users.id, caller.userId), eq(users.tenantId, caller.tenantId)));
  const [row] = await (lock ? query.for("update") : query);
  if (!row) throw unauthorized("This user no longer exists");
  return row;
}

export function getProfile(ctx: ServiceContext<UserCaller>) {
  return readProfile(ctx.db, ctx.caller);
}

export async function updateProfile(ctx: ServiceContext<UserCaller>, input: z.infer<typeof updateProfileBody>) {
  const { name, ...business } = input;
  const changesBusiness = Object.keys(business).length > 0;
  if (changesBusiness && ctx.caller.role !== "owner" && ctx.caller.role !== "admin") {
    throw forbidden("Only owners and admins can change the business details");
  }
  return ctx.db.transaction(async (tx) => {
    const before = await readProfile(tx, ctx.caller, true);
    if (name !== undefined) await tx.update(users).set({ name }).where(eq(users.id, ctx.caller.userId));
    if (changesBusiness) {
      await tx
        .update(tenants)
        .set({ name: business.businessName, website: business.website, onboarded: business.onboarded })
        .where(eq(tenants.id, ctx.caller.tenantId));
    }
    const after = await readProfile(tx, ctx.caller);
    await recordAudit(tx, ctx, ctx.caller.tenantId, {
      action: "profile.updated",
      entityType: "profile",
      entityId: ctx.caller.userId,
      before,
      after,
    });
    return after;
  });
}
