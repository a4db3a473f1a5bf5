import { and, eq, inArray, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { getDb } from "../../db/client";
import {
  appointments,
  type CampaignStatus,
  conversations,
  prospectConversations,
  prospects,
  queuedLeads,
} from "../../db/schema";
import * as runFn from "../../netlify/functions/sales-campaign-runs-id";
import * as nextLeadsFn from "../../netlify/functions/sales-campaign-runs-id-next-leads";
import * as campaignsFn from "../../netlify/functions/sales-campaigns";
import * as campaignFn from "../../netlify/functions/sales-campaigns-id";
import * as leadsFn from "../../netlify/functions/sales-campaigns-id-leads";
import * as runsFn from "../../netlify/functions/sales-campaigns-id-runs";
import * as conversationsFn from "../../netlify/functions/sales-prospects-id-conversations";
import { type Account, addMember, createApiKey, registerTenant } from "../../scripts/dev/fixtures";
import { call } from "../../scripts/dev/http";
import { campaignStatuses } from "../../services/sales/campaigns";
import { CLAIM_MINUTES } from "../../services/sales/leads";

type Campaign = {
  id: string;
  name: string;
  status: CampaignStatus;
  channels: string[];
  attempts: number;
  connected: number;
  connectRate: number;
  bookedAppointments: number;
  leads: Record<string, number>;
};
type Lead = { id: string; prospectId: string; status: string; attempts: number };

const campaignPath = (id: string) => `/api/campaigns/${id}`;
const leadsPath = (id: string) => `/api/campaigns/${id}/leads`;
const runsPath = (id: string) => `/api/campaigns/${id}/runs`;
const runPath = (id: string) => `/api/campaign-runs/${id}`;
const nextPath = (id: string) => `/api/campaign-runs/${id}/next-leads`;

let owner: Account;
let other: Account;
let rep: Account;
let qa: Account;
let agentKey: string;

beforeAll(async () => {
  owner = await registerTenant("campaigns");
  other = await registerTenant("campaigns-other");
  rep = await addMember(owner, "sales_rep");
  qa = await addMember(owner, "qa_supervisor");
  agentKey = (await createApiKey(owner, ["ai-agent"])).key;
});

async function newCampaign(body: Record<string, unknown> = {}, account = owner): Promise<Campaign> {
  const res = await call(campaignsFn, {
    method: "POST",
    token: account.accessToken,
    body: { name: "Spring villas", channels: ["phone"], ...body },
  });
  expect(res.status, res.text).toBe(201);
  return res.body.data;
}

const patch = (id: string, body: Record<string, unknown>, account = owner) =>
  call(campaignFn, { method: "PATCH", path: campaignPath(id), token: account.accessToken, body });

/** A campaign in `status`, reached by the machine's own moves. */
async function campaignIn(status: CampaignStatus): Promise<Campaign> {
  const created = await newCampaign({ status: status === "draft" ? "draft" : "active" });
  if (status === "draft" || status === "active") return created;
  const moved = await patch(created.id, { status });
  expect(moved.status, moved.text).toBe(200);
  return moved.body.data;
}

/** Prospects inserted directly (the prospects routes are another area's), optionally assigned. */
async function newProspects(count: number, account = owner, assignedTo?: string): Promise<string[]> {
  const rows = await (await getDb())
    .insert(prospects)
    .values(
      Array.from({ length: count }, (_, i) => ({
        tenantId: account.tenantId,
        name: `Prospect ${i}`,
        phone: `+97150000${String(i).padStart(4, "0")}`,
        whatsapp: `+97155000${String(i).padStart(4, "0")}`,
        preferredChannel: "whatsapp" as const,
        assignedTo,
      })),
    )
    .returning({ id: prospects.id });
  return rows.map((row) => row.id);
}

async function queue(campaignId: string, prospectIds: string[]) {
  const res = await call(leadsFn, {
    method: "POST",
    path: leadsPath(campaignId),
    token: owner.accessToken,
    body: { prospectIds },
  });
  expect(res.status, res.text).toBe(200);
  return res.body.data as { queued: number; skipped: number };
}

async function startRun(campaignId: string): Promise<string> {
  const res = await call(runsFn, { method: "POST", path: runsPath(campaignId), token: owner.accessToken });
  expect(res.status, res.text).toBe(201);
  return res.body.data.id;
}

const claim = (runId: string, limit: number, auth: { token?: string; apiKey?: string } = { apiKey: agentKey }) =>
  call(nextLeadsFn, { method: "POST", path: nextPath(runId), body: { limit }, ...auth });

const leadRows = async (campaignId: string) =>
  (await getDb()).select().from(queuedLeads).where(eq(queuedLeads.campaignId, campaignId));

describe("POST /api/campaigns", () => {
  it("creates a draft with defaults and zero derived counts, in one statement", async () => {
    const res = await call(campaignsFn, {
      method: "POST",
      token: owner.accessToken,
      body: { name: "  Marina launch ", segment: "Dubai buyers", channels: ["PHONE", "whatsapp", "phone"] },
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body.data).toMatchObject({
      name: "Marina launch",
      segment: "Dubai buyers",
      status: "draft",
      channels: ["phone", "whatsapp"],
      maxAttempts: 3,
      retryDelayMinutes: 60,
      createdBy: owner.userId,
      attempts: 0,
      connected: 0,
      connectRate: 0,
      bookedAppointments: 0,
      leads: { queued: 0, contacting: 0, done: 0, exhausted: 0, removed: 0 },
    });
    expect(res.body.data).not.toHaveProperty("tenantId");
    expect(res.statements).toBe(1);
  });

  it("creates an active campaign when it has a channel, and refuses one without (422)", async () => {
    expect((await newCampaign({ status: "ACTIVE" })).status).toBe("active");
    const res = await call(campaignsFn, {
      method: "POST",
      token: owner.accessToken,
      body: { name: "Silent", status: "active" },
    });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("UNPROCESSABLE");
  });

  it.each([
    ["attempts (derived)", { attempts: 5 }],
    ["connectRate (derived)", { connectRate: 0.5 }],
    ["connect_rate (derived)", { connect_rate: 0.5 }],
    ["bookedAppointments (derived)", { bookedAppointments: 2 }],
    ["maxAttempts 0", { maxAttempts: 0 }],
    ["maxAttempts 21", { maxAttempts: 21 }],
    ["retryDelayMinutes 0", { retryDelayMinutes: 0 }],
    ["an unknown channel", { channels: ["fax"] }],
    ["an empty name", { name: " " }],
    ["a paused start", { status: "paused" }],
    ["an unknown field", { budget: 1 }],
  ])("refuses %s with 400", async (_name, change) => {
    const res = await call(campaignsFn, {
      method: "POST",
      token: owner.accessToken,
      body: { name: "Bad", channels: ["phone"], ...change },
    });
    expect(res.status, res.text).toBe(400);
    expect(res.body.error.code).toBe("VALIDATION_FAILED");
  });

  it("is for managers: a rep and a QA supervisor are refused, a manager and a write key are not", async () => {
    for (const account of [rep, qa]) {
      const res = await call(campaignsFn, { method: "POST", token: account.accessToken, body: { name: "No" } });
      expect(res.status).toBe(403);
    }
    const manager = await addMember(owner, "sales_manager");
    expect((await newCampaign({}, manager)).name).toBe("Spring villas");
    const { key } = await createApiKey(owner, ["write"]);
    const byKey = await call(campaignsFn, { method: "POST", apiKey: key, body: { name: "Keyed" } });
    expect(byKey.status).toBe(201);
    expect(byKey.body.data.createdBy).toBeNull();
  });
});

describe("GET /api/campaigns", () => {
  let shop: Account;
  let list: Record<"draft" | "active" | "paused", Campaign>;
  beforeAll(async () => {
    shop = await registerTenant("campaigns-list");
    const create = async (status: "draft" | "active") => {
      const res = await call(campaignsFn, {
        method: "POST",
        token: shop.accessToken,
        body: { name: `List ${status}`, channels: ["sms"], status },
      });
      return res.body.data as Campaign;
    };
    const draft = await create("draft");
    const active = await create("active");
    const paused = await create("active");
    await call(campaignFn, {
      method: "PATCH",
      path: campaignPath(paused.id),
      token: shop.accessToken,
      body: { status: "paused" },
    });
    list = { draft, active, paused };
    await newCampaign({ name: "Another tenant's campaign" }, other);
  });
  const ids = (data: Campaign[]) => data.map((campaign) => campaign.id);

  it("lists the tenant's campaigns newest first with their counts, in one statement", async () => {
    const res = await call(campaignsFn, { token: shop.accessToken });
    expect(res.status).toBe(200);
    expect(ids(res.body.data)).toEqual([list.paused.id, list.active.id, list.draft.id]);
    expect(res.body.data[0]).toMatchObject({ status: "paused", attempts: 0, connectRate: 0, leads: { queued: 0 } });
    expect(res.body.pagination).toMatchObject({ total: 3, hasMore: false });
    expect(res.text).not.toContain("Another tenant");
    expect(res.statements).toBe(1);
  });

  it.each([
    ["active", ["active"]],
    ["PAUSED", ["paused"]],
    ["completed", []],
  ] as const)("filters by status %s", async (status, expected) => {
    const res = await call(campaignsFn, { token: shop.accessToken, query: { status } });
    expect(res.status, res.text).toBe(200);
    expect(ids(res.body.data)).toEqual(expected.map((name) => list[name].id));
  });

  it("pages by cursor", async () => {
    const first = await call(campaignsFn, { token: shop.accessToken, query: { limit: 2 } });
    expect(ids(first.body.data)).toEqual([list.paused.id, list.active.id]);
    const next = await call(campaignsFn, {
      token: shop.accessToken,
      query: { limit: 2, cursor: first.body.pagination.nextCursor },
    });
    expect(ids(next.body.data)).toEqual([list.draft.id]);
  });

  it.each([[{ limit: 0 }], [{ limit: 101 }], [{ status: "running" }], [{ segment: "x" }]])(
    "refuses %j with 400",
    async (query) => {
      const res = await call(campaignsFn, { token: shop.accessToken, query });
      expect(res.status).toBe(400);
    },
  );

  it("is read by reps, QA supervisors and ai-agent keys", async () => {
    for (const auth of [{ token: rep.accessToken }, { token: qa.accessToken }, { apiKey: agentKey }]) {
      const res = await call(campaignsFn, auth);
      expect(res.status).toBe(200);
    }
  });
});

describe("/api/campaigns/:id", () => {
  const moves = (Object.keys(campaignStatuses.transitions) as CampaignStatus[]).flatMap((from) =>
    (Object.keys(campaignStatuses.transitions) as CampaignStatus[])
      .filter((to) => to !== from)
      .map((to) => [from, to, campaignStatuses.transitions[from].includes(to)] as const),
  );

  it("allows exactly draft → active, active → paused|completed, paused → active|completed", () => {
    expect(moves.filter(([, , allowed]) => allowed).map(([from, to]) => `${from}→${to}`)).toEqual([
      "draft→active",
      "active→paused",
      "active→completed",
      "paused→active",
      "paused→completed",
    ]);
  });

  it.each(moves)("%s → %s: allowed %s", async (from, to, allowed) => {
    const campaign = await campaignIn(from);
    const res = await patch(campaign.id, { status: to });
    if (allowed) {
      expect(res.status, res.text).toBe(200);
      expect(res.body.data.status).toBe(to);
    } else {
      expect(res.status, res.text).toBe(422);
      expect(res.body.error.details[0].allowed).toEqual(campaignStatuses.transitions[from]);
      const read = await call(campaignFn, { path: campaignPath(campaign.id), token: owner.accessToken });
      expect(read.body.data.status).toBe(from);
    }
  });

  it("takes the status a campaign already has as no change, so a PUT of the whole campaign works", async () => {
    const campaign = await campaignIn("active");
    const res = await call(campaignFn, {
      method: "PUT",
      path: campaignPath(campaign.id),
      token: owner.accessToken,
      body: {
        name: "Renamed",
        segment: null,
        channels: ["email"],
        maxAttempts: 5,
        retryDelayMinutes: 30,
        status: "active",
      },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.data).toMatchObject({ name: "Renamed", segment: null, channels: ["email"], maxAttempts: 5 });
  });

  it("keeps a channel on an active campaign (422), but lets a paused one drop them until it resumes", async () => {
    const draft = await newCampaign({ channels: [] });
    expect((await patch(draft.id, { status: "active" })).status).toBe(422);
    expect((await patch(draft.id, { status: "active", channels: ["sms"] })).status).toBe(200);
    expect((await patch(draft.id, { channels: [] })).status).toBe(422);
    expect((await patch(draft.id, { status: "paused", channels: [] })).status).toBe(200);
    const resume = await patch(draft.id, { status: "active" });
    expect(resume.status).toBe(422);
    expect(resume.body.error.message).toContain("channel");
  });

  it("reads one campaign in one statement; another tenant's is a 404 for reading, changing and deleting", async () => {
    const campaign = await newCampaign({ name: "Private campaign" });
    const path = campaignPath(campaign.id);
    const read = await call(campaignFn, { path, token: owner.accessToken });
    expect(read.body.data).toMatchObject({ id: campaign.id, name: "Private campaign" });
    expect(read.statements).toBe(1);
    for (const method of ["GET", "PATCH", "DELETE"]) {
      const res = await call(campaignFn, {
        method,
        path,
        token: other.accessToken,
        body: method === "PATCH" ? { name: "Stolen" } : undefined,
      });
      expect(res.status).toBe(404);
      expect(res.text).not.toContain("Private campaign");
    }
    expect((await call(campaignFn, { path, token: owner.accessToken })).body.data.name).toBe("Private campaign");
  });

  it("refuses derived counts, an empty change and bad values with 400", async () => {
    const campaign = await newCampaign();
    for (const body of [{ attempts: 1 }, { bookedAppointments: 1 }, {}, { maxAttempts: 21 }, { status: "done" }]) {
      expect((await patch(campaign.id, body)).status, JSON.stringify(body)).toBe(400);
    }
  });

  it("lets a rep and a QA supervisor read but not change", async () => {
    const campaign = await newCampaign();
    for (const account of [rep, qa]) {
      expect((await call(campaignFn, { path: campaignPath(campaign.id), token: account.accessToken })).status).toBe(
        200,
      );
      expect((await patch(campaign.id, { name: "No" }, account)).status).toBe(403);
      const deleted = await call(campaignFn, {
        method: "DELETE",
        path: campaignPath(campaign.id),
        token: account.accessToken,
      });
      expect(deleted.status).toBe(403);
    }
  });

  it("completing a campaign ends its running run", async () => {
    const campaign = await campaignIn("active");
    const runId = await startRun(campaign.id);
    expect((await patch(campaign.id, { status: "completed" })).status).toBe(200);
    const run = await call(runFn, { path: runPath(runId), token: owner.accessToken });
    expect(run.body.data.status).toBe("completed");
    expect(run.body.data.endedAt).not.toBeNull();
  });

  it("deletes a draft with its queued leads in one statement", async () => {
    const draft = await newCampaign();
    await queue(draft.id, await newProspects(2));
    const res = await call(campaignFn, { method: "DELETE", path: campaignPath(draft.id), token: owner.accessToken });
    expect(res.status).toBe(204);
    expect(res.statements).toBe(1);
    expect((await call(campaignFn, { path: campaignPath(draft.id), token: owner.accessToken })).status).toBe(404);
    expect(await leadRows(draft.id)).toEqual([]);
  });

  it("keeps a campaign that is not a draft, or has conversations: 409, saying to complete it", async () => {
    const active = await campaignIn("active");
    const draft = await newCampaign();
    const [prospectId] = await newProspects(1);
    const db = await getDb();
    const [conversation] = await db
      .insert(conversations)
      .values({ tenantId: owner.tenantId, channelType: "phone" })
      .returning();
    await db.insert(prospectConversations).values({
      conversationId: conversation!.id,
      tenantId: owner.tenantId,
      prospectId: prospectId!,
      campaignId: draft.id,
    });
    for (const campaign of [active, draft]) {
      const res = await call(campaignFn, {
        method: "DELETE",
        path: campaignPath(campaign.id),
        token: owner.accessToken,
      });
      expect(res.status).toBe(409);
      expect(res.body.error.message).toContain("completed");
      expect((await call(campaignFn, { path: campaignPath(campaign.id), token: owner.accessToken })).status).toBe(200);
    }
  });
});

describe("derived counts", () => {
  let campaignId: string;
  let firstRun: string;
  let secondRun: string;

  /** A conversation of `prospectId` with `outcome`, linked to the campaign and run, with `booked` appointments. */
  async function conversationOf(
    prospectId: string,
    link: { campaignId?: string; campaignRunId?: string },
    outcome: string,
    booked = 0,
  ) {
    const db = await getDb();
    const [conversation] = await db
      .insert(conversations)
      .values({ tenantId: owner.tenantId, channelType: "phone", outcome })
      .returning();
    await db
      .insert(prospectConversations)
      .values({ conversationId: conversation!.id, tenantId: owner.tenantId, prospectId, ...link });
    for (let i = 0; i < booked; i++) {
      await db.insert(appointments).values({
        tenantId: owner.tenantId,
        prospectId,
        conversationId: conversation!.id,
        scheduledAt: new Date(Date.UTC(2031, 0, 1 + i)),
      });
    }
  }

  beforeAll(async () => {
    const campaign = await campaignIn("active");
    campaignId = campaign.id;
    const people = await newProspects(6);
    const [p1, p2, p3, p4, p5, p6] = people as [string, string, string, string, string, string];
    await queue(campaignId, [p1, p2, p3, p4, p5]);
    firstRun = await startRun(campaignId);
    // The first run: 3 attempts, 2 connected, 1 booking.
    await conversationOf(p1, { campaignId, campaignRunId: firstRun }, "connected");
    await conversationOf(p2, { campaignId, campaignRunId: firstRun }, "qualified", 1);
    await conversationOf(p3, { campaignId, campaignRunId: firstRun }, "voicemail");
    await call(runFn, {
      method: "PATCH",
      path: runPath(firstRun),
      token: owner.accessToken,
      body: { status: "completed" },
    });
    secondRun = await startRun(campaignId);
    // The second run: 2 attempts, 1 connected, 1 booking.
    await conversationOf(p4, { campaignId, campaignRunId: secondRun }, "appointment_booked", 1);
    await conversationOf(p5, { campaignId, campaignRunId: secondRun }, "no_answer");
    // Noise: a conversation of another campaign that booked, a conversation of no campaign that booked, an appointment of none.
    const elsewhere = await campaignIn("active");
    await conversationOf(p6, { campaignId: elsewhere.id }, "connected", 2);
    await conversationOf(p6, {}, "appointment_booked", 1);
    await (await getDb())
      .insert(appointments)
      .values({ tenantId: owner.tenantId, prospectId: p6, scheduledAt: new Date("2032-01-01T00:00:00Z") });
    // Leads by status: 2 done, 1 exhausted, 2 still queued.
    const db = await getDb();
    await db
      .update(queuedLeads)
      .set({ status: "done" })
      .where(and(eq(queuedLeads.campaignId, campaignId), inArray(queuedLeads.prospectId, [p1, p2])));
    await db
      .update(queuedLeads)
      .set({ status: "exhausted" })
      .where(and(eq(queuedLeads.campaignId, campaignId), eq(queuedLeads.prospectId, p3)));
  });

  const campaignCounts = {
    attempts: 5,
    connected: 3,
    connectRate: 0.6,
    bookedAppointments: 2,
    leads: { queued: 2, contacting: 0, done: 2, exhausted: 1, removed: 0 },
  };

  it("counts a campaign's conversations, those connected and the appointments they booked", async () => {
    const res = await call(campaignFn, { path: campaignPath(campaignId), token: owner.accessToken });
    expect(res.body.data).toMatchObject(campaignCounts);
    expect(res.statements).toBe(1);
  });

  it("counts the same in the list, in one statement", async () => {
    const res = await call(campaignsFn, { token: owner.accessToken, query: { limit: 100 } });
    expect(res.body.data.find((item: Campaign) => item.id === campaignId)).toMatchObject(campaignCounts);
    expect(res.statements).toBe(1);
  });

  it("counts each run's own conversations, in the list and alone", async () => {
    const first = { id: firstRun, attempts: 3, connected: 2, connectRate: 0.6667, bookedAppointments: 1 };
    const second = { id: secondRun, attempts: 2, connected: 1, connectRate: 0.5, bookedAppointments: 1 };
    const list = await call(runsFn, { path: runsPath(campaignId), token: owner.accessToken });
    expect(list.status, list.text).toBe(200);
    expect(list.body.data).toMatchObject([
      { ...second, status: "running" },
      { ...first, status: "completed" },
    ]);
    expect(list.statements).toBe(1);
    for (const run of [first, second]) {
      const res = await call(runFn, { path: runPath(run.id), token: qa.accessToken });
      expect(res.body.data).toMatchObject(run);
      expect(res.statements).toBe(1);
    }
  });

  it("filters runs by status", async () => {
    const res = await call(runsFn, {
      path: runsPath(campaignId),
      token: owner.accessToken,
      query: { status: "completed" },
    });
    expect(res.body.data.map((run: { id: string }) => run.id)).toEqual([firstRun]);
  });
});

describe("runs", () => {
  it("starts a run of an active campaign with zero counts; a second is 409", async () => {
    const campaign = await campaignIn("active");
    const res = await call(runsFn, { method: "POST", path: runsPath(campaign.id), token: owner.accessToken });
    expect(res.status, res.text).toBe(201);
    expect(res.body.data).toMatchObject({
      campaignId: campaign.id,
      status: "running",
      startedBy: owner.userId,
      endedAt: null,
      attempts: 0,
      connectRate: 0,
      bookedAppointments: 0,
    });
    expect(res.statements).toBe(1);
    const again = await call(runsFn, { method: "POST", path: runsPath(campaign.id), token: owner.accessToken });
    expect(again.status).toBe(409);
  });

  it.each(["draft", "paused", "completed"] as const)("refuses to run a %s campaign (409)", async (status) => {
    const campaign = await campaignIn(status);
    const res = await call(runsFn, { method: "POST", path: runsPath(campaign.id), token: owner.accessToken });
    expect(res.status).toBe(409);
    expect(res.body.error.message).toContain(status);
  });

  it("starts exactly one run when ten starts race", async () => {
    const campaign = await campaignIn("active");
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        call(runsFn, { method: "POST", path: runsPath(campaign.id), token: owner.accessToken }),
      ),
    );
    expect(results.map((res) => res.status).sort()).toEqual([201, ...Array(9).fill(409)]);
    const list = await call(runsFn, { path: runsPath(campaign.id), token: owner.accessToken });
    expect(list.body.data).toHaveLength(1);
  });

  it("ends a run once (a completed run is final: 422) and then lets another start", async () => {
    const campaign = await campaignIn("active");
    const runId = await startRun(campaign.id);
    const end = (body: unknown) =>
      call(runFn, { method: "PATCH", path: runPath(runId), token: owner.accessToken, body });
    expect((await end({ status: "running" })).status).toBe(400);
    const ended = await end({ status: "COMPLETED" });
    expect(ended.status, ended.text).toBe(200);
    expect(ended.body.data.status).toBe("completed");
    expect(Date.parse(ended.body.data.endedAt)).toBeGreaterThan(Date.now() - 60_000);
    const again = await end({ status: "completed" });
    expect(again.status).toBe(422);
    expect(again.body.error.code).toBe("UNPROCESSABLE");
    await startRun(campaign.id);
  });

  it("answers 404 for an unknown or another tenant's campaign or run", async () => {
    const campaign = await campaignIn("active");
    const runId = await startRun(campaign.id);
    const missing = crypto.randomUUID();
    expect((await call(runsFn, { path: runsPath(missing), token: owner.accessToken })).status).toBe(404);
    expect((await call(runFn, { path: runPath(missing), token: owner.accessToken })).status).toBe(404);
    const asOther = { token: other.accessToken };
    expect((await call(runsFn, { method: "POST", path: runsPath(campaign.id), ...asOther })).status).toBe(404);
    expect((await call(runsFn, { path: runsPath(campaign.id), ...asOther })).status).toBe(404);
    expect((await call(runFn, { path: runPath(runId), ...asOther })).status).toBe(404);
    const patched = await call(runFn, {
      method: "PATCH",
      path: runPath(runId),
      ...asOther,
      body: { status: "completed" },
    });
    expect(patched.status).toBe(404);
    expect((await call(runFn, { path: runPath(runId), token: owner.accessToken })).body.data.status).toBe("running");
  });

  it("lets a rep read runs but not start or end them", async () => {
    const campaign = await campaignIn("active");
    const runId = await startRun(campaign.id);
    expect((await call(runsFn, { path: runsPath(campaign.id), token: rep.accessToken })).status).toBe(200);
    expect((await call(runFn, { path: runPath(runId), token: rep.accessToken })).status).toBe(200);
    const start = await call(runsFn, { method: "POST", path: runsPath(campaign.id), token: rep.accessToken });
    expect(start.status).toBe(403);
    const end = await call(runFn, {
      method: "PATCH",
      path: runPath(runId),
      token: rep.accessToken,
      body: { status: "completed" },
    });
    expect(end.status).toBe(403);
  });
});

describe("queued leads", () => {
  it("queues prospects once: repeats in the body count once, those already queued are skipped", async () => {
    const campaign = await newCampaign();
    const [a, b, c] = (await newProspects(3)) as [string, string, string];
    const first = await call(leadsFn, {
      method: "POST",
      path: leadsPath(campaign.id),
      token: owner.accessToken,
      body: { prospectIds: [a, b, a] },
    });
    expect(first.status, first.text).toBe(200);
    expect(first.body.data).toEqual({ queued: 2, skipped: 0 });
    expect(first.statements).toBe(1);
    expect(await queue(campaign.id, [a, b, c])).toEqual({ queued: 1, skipped: 2 });
    const rows = await leadRows(campaign.id);
    expect(rows.map((row) => row.prospectId).sort()).toEqual([a, b, c].sort());
    expect(rows.every((row) => row.status === "queued" && row.attempts === 0)).toBe(true);
  });

  it("queues nothing when any id is no prospect of the tenant (404), naming its place but never the id", async () => {
    const campaign = await newCampaign();
    const [mine] = await newProspects(1);
    const [theirs] = await newProspects(1, other);
    for (const stranger of [theirs!, crypto.randomUUID()]) {
      const res = await call(leadsFn, {
        method: "POST",
        path: leadsPath(campaign.id),
        token: owner.accessToken,
        body: { prospectIds: [mine, stranger] },
      });
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe("NOT_FOUND");
      expect(res.body.error.details).toEqual([{ path: "body.prospectIds.1", message: "No such prospect" }]);
      expect(res.text).not.toContain(stranger);
    }
    expect(await leadRows(campaign.id)).toEqual([]);
  });

  it.each(["paused", "completed"] as const)("a %s campaign queues nothing (409)", async (status) => {
    const campaign = await campaignIn(status);
    const res = await call(leadsFn, {
      method: "POST",
      path: leadsPath(campaign.id),
      token: owner.accessToken,
      body: { prospectIds: await newProspects(1) },
    });
    expect(res.status).toBe(409);
    expect(await leadRows(campaign.id)).toEqual([]);
  });

  it.each([
    ["no ids", { prospectIds: [] }],
    ["1001 ids", { prospectIds: Array.from({ length: 1001 }, () => crypto.randomUUID()) }],
    ["a bad uuid", { prospectIds: ["not-a-uuid"] }],
    ["an unknown field", { prospectIds: [crypto.randomUUID()], priority: 1 }],
  ])("refuses %s with 400", async (_name, body) => {
    const campaign = await newCampaign();
    const res = await call(leadsFn, { method: "POST", path: leadsPath(campaign.id), token: owner.accessToken, body });
    expect(res.status).toBe(400);
  });

  it("answers 404 for another tenant's campaign and refuses reps and QA (403)", async () => {
    const campaign = await newCampaign();
    const body = { prospectIds: await newProspects(1) };
    const foreign = await call(leadsFn, {
      method: "POST",
      path: leadsPath(campaign.id),
      token: other.accessToken,
      body,
    });
    expect(foreign.status).toBe(404);
    for (const account of [rep, qa]) {
      const res = await call(leadsFn, {
        method: "POST",
        path: leadsPath(campaign.id),
        token: account.accessToken,
        body,
      });
      expect(res.status).toBe(403);
    }
    expect(await leadRows(campaign.id)).toEqual([]);
  });

  describe("GET /api/campaigns/:id/leads", () => {
    let campaignId: string;
    let repsProspect: string;
    let othersProspects: string[];
    beforeAll(async () => {
      campaignId = (await newCampaign()).id;
      [repsProspect] = (await newProspects(1, owner, rep.userId)) as [string];
      othersProspects = await newProspects(2);
      await queue(campaignId, [repsProspect, ...othersProspects]);
      await (await getDb())
        .update(queuedLeads)
        .set({ status: "done", nextAttemptAt: sql`now() + interval '1 day'` })
        .where(and(eq(queuedLeads.campaignId, campaignId), eq(queuedLeads.prospectId, othersProspects[0]!)));
    });

    it("lists the leads soonest due first with the prospect's name, in one statement", async () => {
      const res = await call(leadsFn, { path: leadsPath(campaignId), token: qa.accessToken });
      expect(res.status, res.text).toBe(200);
      expect(res.body.data).toHaveLength(3);
      expect(res.body.data.at(-1)).toMatchObject({ prospectId: othersProspects[0], status: "done" });
      expect(res.body.data[0]).toMatchObject({ prospectName: expect.stringMatching(/^Prospect/), attempts: 0 });
      expect(res.body.data[0]).not.toHaveProperty("tenantId");
      expect(res.body.pagination.total).toBe(3);
      expect(res.statements).toBe(1);
    });

    it("filters by status", async () => {
      const res = await call(leadsFn, {
        path: leadsPath(campaignId),
        token: owner.accessToken,
        query: { status: "done" },
      });
      expect(res.body.data.map((lead: Lead) => lead.prospectId)).toEqual([othersProspects[0]]);
      const bad = await call(leadsFn, {
        path: leadsPath(campaignId),
        token: owner.accessToken,
        query: { status: "new" },
      });
      expect(bad.status).toBe(400);
    });

    it("shows a rep only the leads of their own prospects", async () => {
      const res = await call(leadsFn, { path: leadsPath(campaignId), token: rep.accessToken });
      expect(res.status).toBe(200);
      expect(res.body.data.map((lead: Lead) => lead.prospectId)).toEqual([repsProspect]);
      expect(res.body.pagination.total).toBe(1);
    });

    it("answers 404 for an unknown or another tenant's campaign", async () => {
      expect((await call(leadsFn, { path: leadsPath(crypto.randomUUID()), token: owner.accessToken })).status).toBe(
        404,
      );
      const foreign = await call(leadsFn, { path: leadsPath(campaignId), token: other.accessToken });
      expect(foreign.status).toBe(404);
    });
  });
});

describe("POST /api/campaign-runs/:id/next-leads", () => {
  /** An active campaign with `due` leads due now, and its running run. */
  async function queueWithRun(due: number, body: Record<string, unknown> = {}) {
    const campaign = await newCampaign({ status: "active", ...body });
    const prospectIds = await newProspects(due);
    await queue(campaign.id, prospectIds);
    return { campaignId: campaign.id, runId: await startRun(campaign.id), prospectIds };
  }

  it("claims due leads for an hour, counting the attempt, with the prospect's contact details, in one statement", async () => {
    const { campaignId, runId, prospectIds } = await queueWithRun(3);
    const db = await getDb();
    // Not due yet, and already done: neither is handed out.
    const [later, finished] = (await newProspects(2)) as [string, string];
    await queue(campaignId, [later, finished]);
    await db
      .update(queuedLeads)
      .set({ nextAttemptAt: sql`now() + interval '1 hour'` })
      .where(eq(queuedLeads.prospectId, later));
    await db.update(queuedLeads).set({ status: "done" }).where(eq(queuedLeads.prospectId, finished));

    const res = await claim(runId, 2, { token: owner.accessToken });
    expect(res.status, res.text).toBe(200);
    expect(res.statements).toBe(1);
    expect(res.body.data).toHaveLength(2);
    const [lead] = res.body.data;
    expect(lead).toMatchObject({
      campaignId,
      status: "contacting",
      attempts: 1,
      runId,
      prospect: { name: expect.stringMatching(/^Prospect/), preferredChannel: "whatsapp", email: null },
    });
    expect(lead.prospect.phone).toMatch(/^\+97150/);
    expect(lead.prospect.whatsapp).toMatch(/^\+97155/);
    expect(lead).not.toHaveProperty("tenantId");
    const held = Date.parse(lead.claimedUntil) - Date.now();
    expect(CLAIM_MINUTES).toBe(60);
    expect(held).toBeGreaterThan(59 * 60_000);
    expect(held).toBeLessThanOrEqual(60 * 60_000);
    expect(Date.parse(lead.lastAttemptAt)).toBeGreaterThan(Date.now() - 60_000);

    const rest = await claim(runId, 50);
    expect(rest.status, rest.text).toBe(200);
    const claimed = [...res.body.data, ...rest.body.data].map((item: Lead) => item.prospectId);
    expect(claimed.sort()).toEqual([...prospectIds].sort());
    expect((await claim(runId, 50)).body.data).toEqual([]);
  });

  it("hands ten concurrent callers disjoint leads, every due lead exactly once", async () => {
    const { runId, prospectIds } = await queueWithRun(30);
    const results = await Promise.all(Array.from({ length: 10 }, () => claim(runId, 5)));
    for (const res of results) expect(res.status, res.text).toBe(200);
    const claimed = results.flatMap((res) => res.body.data.map((lead: Lead) => lead.prospectId));
    expect(claimed).toHaveLength(30);
    expect(new Set(claimed).size).toBe(30);
    expect(claimed.sort()).toEqual([...prospectIds].sort());
  });

  it("hands a lead out again once its claim expired unreported, counting another attempt", async () => {
    const { runId } = await queueWithRun(1);
    const [first] = (await claim(runId, 5)).body.data as Lead[];
    expect((await claim(runId, 5)).body.data).toEqual([]);
    await (await getDb())
      .update(queuedLeads)
      .set({ claimedUntil: sql`now() - interval '1 second'` })
      .where(eq(queuedLeads.id, first!.id));
    const again = await claim(runId, 5);
    expect(again.body.data).toMatchObject([{ id: first!.id, status: "contacting", attempts: 2 }]);
  });

  it("takes only the live claim's report: the first caller's late one is 409 and changes nothing", async () => {
    const { runId } = await queueWithRun(1);
    const [first] = (await claim(runId, 5)).body.data as Lead[];
    const db = await getDb();
    await db
      .update(queuedLeads)
      .set({ claimedUntil: sql`now() - interval '1 second'` })
      .where(eq(queuedLeads.id, first!.id));
    const [second] = (await claim(runId, 5)).body.data as Lead[];
    expect(second).toMatchObject({ id: first!.id, attempts: 2 });
    const report = (attempt: number) =>
      call(conversationsFn, {
        method: "POST",
        path: `/api/prospects/${first!.prospectId}/conversations`,
        apiKey: agentKey,
        body: { channel: "phone", outcome: "connected", queuedLeadId: first!.id, queuedLeadAttempt: attempt },
      });
    const stored = async () => (await db.select().from(queuedLeads).where(eq(queuedLeads.id, first!.id)))[0];
    const claimed = await stored();

    const late = await report(1);
    expect(late.status, late.text).toBe(409);
    expect(late.body.error.message).toMatch(/claim on this lead expired.*without queuedLeadId/);
    expect(await stored()).toEqual(claimed);
    const linked = await db
      .select()
      .from(prospectConversations)
      .where(eq(prospectConversations.queuedLeadId, first!.id));
    expect(linked).toEqual([]);

    const current = await report(2);
    expect(current.status, current.text).toBe(201);
    expect(await stored()).toMatchObject({ status: "done", attempts: 2, result: "connected", claimedUntil: null });
  });

  it("exhausts a lead whose expired claim was its last attempt instead of handing it out", async () => {
    const { campaignId, runId } = await queueWithRun(1, { maxAttempts: 1 });
    const [first] = (await claim(runId, 5)).body.data as Lead[];
    await (await getDb())
      .update(queuedLeads)
      .set({ claimedUntil: sql`now() - interval '1 second'` })
      .where(eq(queuedLeads.id, first!.id));
    expect((await claim(runId, 5)).body.data).toEqual([]);
    expect((await leadRows(campaignId))[0]).toMatchObject({ status: "exhausted", attempts: 1, claimedUntil: null });
  });

  it("hands out nothing while the campaign is paused, and again once it resumes", async () => {
    const { campaignId, runId } = await queueWithRun(2);
    expect((await patch(campaignId, { status: "paused" })).status).toBe(200);
    const paused = await claim(runId, 5);
    expect(paused.status).toBe(200);
    expect(paused.body.data).toEqual([]);
    expect((await leadRows(campaignId)).every((lead) => lead.status === "queued" && lead.attempts === 0)).toBe(true);
    expect((await patch(campaignId, { status: "active" })).status).toBe(200);
    expect((await claim(runId, 5)).body.data).toHaveLength(2);
  });

  it("answers 409 for a run that ended and 404 for an unknown or another tenant's run", async () => {
    const { runId, campaignId } = await queueWithRun(1);
    expect((await claim(crypto.randomUUID(), 5)).status).toBe(404);
    expect((await claim(runId, 5, { token: other.accessToken })).status).toBe(404);
    await call(runFn, {
      method: "PATCH",
      path: runPath(runId),
      token: owner.accessToken,
      body: { status: "completed" },
    });
    const ended = await claim(runId, 5);
    expect(ended.status).toBe(409);
    expect((await leadRows(campaignId))[0]?.status).toBe("queued");
  });

  it.each([[0], [51], ["5"]])("refuses limit %j with 400", async (limit) => {
    const { runId } = await queueWithRun(1);
    const res = await call(nextLeadsFn, { method: "POST", path: nextPath(runId), apiKey: agentKey, body: { limit } });
    expect(res.status).toBe(400);
  });

  it("is for managers and ai-agent keys: a rep, QA and a read key are refused", async () => {
    const { runId, campaignId } = await queueWithRun(1);
    const { key: readKey } = await createApiKey(owner, ["read"]);
    for (const auth of [{ token: rep.accessToken }, { token: qa.accessToken }, { apiKey: readKey }]) {
      expect((await claim(runId, 5, auth)).status).toBe(403);
    }
    expect((await leadRows(campaignId))[0]?.status).toBe("queued");
  });
});
