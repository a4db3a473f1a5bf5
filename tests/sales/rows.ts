import { randomUUID } from "node:crypto";
import type { Database } from "../../db/client";
import {
  appointments,
  campaignRuns,
  campaigns,
  conversations,
  handoffPackages,
  integrations,
  properties,
  prospectConversations,
  prospects,
  queuedLeads,
  routingRules,
} from "../../db/schema";
import type { Account } from "../../scripts/dev/fixtures";

/**
 * Tenant A's sales rows the security matrix's fixtures aim at (tests/sales/matrix.ts). Rows under
 * DELETABLE exist for the DELETE fixtures alone, so a delete that succeeds (tenant A's owner in the
 * fuzz test) leaves the rows every other fixture aims at in place.
 */
export const ROWS = {
  property: randomUUID(),
  prospect: randomUUID(),
  campaign: randomUUID(),
  run: randomUUID(),
  lead: randomUUID(),
  conversation: randomUUID(),
  appointment: randomUUID(),
  /** An appointment with no hand-off yet, for from-appointment. */
  appointmentWithoutHandoff: randomUUID(),
  handoff: randomUUID(),
  integration: randomUUID(),
  routingRule: randomUUID(),
};
export const DELETABLE = {
  property: randomUUID(),
  prospect: randomUUID(),
  campaign: randomUUID(),
  integration: randomUUID(),
  routingRule: randomUUID(),
  appointment: randomUUID(),
};
export const MARKERS = {
  propertyName: "matrix-a-property",
  prospectName: "matrix-a-prospect",
  prospectEmail: "matrix-a-prospect@example.test",
  campaignName: "matrix-a-campaign",
  integrationName: "matrix-a-integration",
  routingRuleName: "matrix-a-routing-rule",
};

export async function seedSalesRows(db: Database, a: Account): Promise<void> {
  const tenantId = a.tenantId;
  const property = { tenantId, city: "Dubai", priceMin: "1000000.00", bedrooms: 3, type: "villa" as const };
  await db.insert(properties).values([
    { ...property, id: ROWS.property, name: MARKERS.propertyName },
    { ...property, id: DELETABLE.property, name: "Matrix A property to delete" },
  ]);
  await db.insert(prospects).values([
    {
      id: ROWS.prospect,
      tenantId,
      name: MARKERS.prospectName,
      email: MARKERS.prospectEmail,
      city: "Dubai",
      budget: "2000000.00",
      assignedTo: a.userId,
    },
    { id: DELETABLE.prospect, tenantId, name: "Matrix A prospect to delete" },
  ]);
  await db.insert(campaigns).values([
    { id: ROWS.campaign, tenantId, name: MARKERS.campaignName, status: "active", channels: ["phone"] },
    { id: DELETABLE.campaign, tenantId, name: "Matrix A campaign to delete" },
  ]);
  await db.insert(campaignRuns).values({ id: ROWS.run, tenantId, campaignId: ROWS.campaign });
  await db
    .insert(queuedLeads)
    .values({ id: ROWS.lead, tenantId, campaignId: ROWS.campaign, prospectId: ROWS.prospect });
  await db
    .insert(conversations)
    .values({ id: ROWS.conversation, tenantId, channelType: "phone", outcome: "connected" });
  await db.insert(prospectConversations).values({
    conversationId: ROWS.conversation,
    tenantId,
    prospectId: ROWS.prospect,
    campaignId: ROWS.campaign,
    campaignRunId: ROWS.run,
  });
  const appointment = { tenantId, prospectId: ROWS.prospect, propertyId: ROWS.property, assignedRepId: a.userId };
  await db.insert(appointments).values([
    { ...appointment, id: ROWS.appointment, scheduledAt: new Date("2030-01-01T10:00:00Z") },
    { ...appointment, id: ROWS.appointmentWithoutHandoff, scheduledAt: new Date("2030-01-02T10:00:00Z") },
    { ...appointment, id: DELETABLE.appointment, scheduledAt: new Date("2030-01-03T10:00:00Z") },
  ]);
  await db.insert(handoffPackages).values({
    id: ROWS.handoff,
    tenantId,
    prospectId: ROWS.prospect,
    appointmentId: ROWS.appointment,
    prospectName: MARKERS.prospectName,
    priority: "high",
    reason: "Matrix",
    summary: "Matrix A hand-off",
    qualificationScore: { overall: 80 },
    expiresAt: new Date("2030-01-01T00:00:00Z"),
  });
  await db.insert(integrations).values([
    { id: ROWS.integration, tenantId, name: MARKERS.integrationName, type: "crm" },
    { id: DELETABLE.integration, tenantId, name: "Matrix A integration to delete", type: "calendar" },
  ]);
  await db.insert(routingRules).values([
    { id: ROWS.routingRule, tenantId, name: MARKERS.routingRuleName, repIds: [a.userId] },
    { id: DELETABLE.routingRule, tenantId, name: "Matrix A rule to delete", repIds: [a.userId] },
  ]);
}
