import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { getDb } from "../../db/client";
import { prospects, routingRules, users } from "../../db/schema";
import * as prospectsFn from "../../netlify/functions/sales-prospects";
import * as importFn from "../../netlify/functions/sales-prospects-import";
import * as repsFn from "../../netlify/functions/sales-reps";
import * as repFn from "../../netlify/functions/sales-reps-id";
import * as rulesFn from "../../netlify/functions/sales-routing-rules";
import * as ruleFn from "../../netlify/functions/sales-routing-rules-id";
import { type Account, addMember, createApiKey, registerTenant } from "../../scripts/dev/fixtures";
import { call } from "../../scripts/dev/http";
import { serializeBatchRouting } from "../../services/sales/routing";

type Rule = { id: string; name: string; priority: number; assignmentCount: number; repIds: string[] };
type Routed = { id: string; assignedTo: string | null; routingRuleId: string | null };

async function newRule(account: Account, body: Record<string, unknown>): Promise<Rule> {
  const res = await call(rulesFn, { method: "POST", token: account.accessToken, body: { name: "Rule", ...body } });
  expect(res.status, res.text).toBe(201);
  return res.body.data;
}

async function create(account: Account, body: Record<string, unknown> = {}): Promise<Routed> {
  const res = await call(prospectsFn, { method: "POST", token: account.accessToken, body: { name: "Lead", ...body } });
  expect(res.status, res.text).toBe(201);
  return res.body.data;
}

async function reps(account: Account, count: number): Promise<Account[]> {
  const members = [];
  for (let i = 0; i < count; i++) members.push(await addMember(account, "sales_rep"));
  return members;
}

/** How many of `routed` each user holds, by user id (unassigned under "none"). */
function tally(routed: Routed[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { assignedTo } of routed) counts[assignedTo ?? "none"] = (counts[assignedTo ?? "none"] ?? 0) + 1;
  return counts;
}

const byId = (accounts: Account[]) => accounts.map((account) => account.userId).sort();
const rulePath = (id: string) => `/api/routing-rules/${id}`;

describe("routing rules: which rule takes a new prospect", () => {
  let shop: Account;
  let r: Account[];
  let rules: Record<string, Rule>;
  beforeAll(async () => {
    shop = await registerTenant("routing-match");
    r = await reps(shop, 5);
    rules = {
      dubaiBand: await newRule(shop, {
        name: "Dubai 1M-5M",
        priority: 10,
        cities: ["  Dubai "],
        minBudget: "1000000",
        maxBudget: 5000000,
        repIds: [r[0]?.userId],
      }),
      whatsapp: await newRule(shop, { name: "WhatsApp", priority: 20, channels: ["WHATSAPP"], repIds: [r[1]?.userId] }),
      highEnd: await newRule(shop, { name: "Over 10M", priority: 25, minBudget: "10000000", repIds: [r[4]?.userId] }),
      catchAll: await newRule(shop, { name: "Everything else", priority: 30, repIds: [r[2]?.userId] }),
      inactive: await newRule(shop, { name: "Switched off", priority: 1, isActive: false, repIds: [r[3]?.userId] }),
    };
  });

  it.each([
    ["city and budget within the band", { city: "Dubai", budget: "2000000", preferredChannel: "phone" }, "dubaiBand"],
    ["the city in another case", { city: "DUBAI", budget: 3000000 }, "dubaiBand"],
    ["the band's lower bound itself", { city: "dubai", budget: "1000000.00" }, "dubaiBand"],
    ["the band's upper bound itself", { city: "dubai", budget: "5000000" }, "dubaiBand"],
    [
      "a cent under the band, by WhatsApp",
      { city: "dubai", budget: "999999.99", preferredChannel: "whatsapp" },
      "whatsapp",
    ],
    [
      "over the band: the next rule that holds",
      { city: "Dubai", budget: "5000000.01", preferredChannel: "whatsapp" },
      "whatsapp",
    ],
    ["no budget: only rules without bounds", { city: "Dubai", preferredChannel: "whatsapp" }, "whatsapp"],
    ["another city by WhatsApp", { city: "Abu Dhabi", budget: "2000000", preferredChannel: "whatsapp" }, "whatsapp"],
    ["an open-ended lower bound", { city: "Sharjah", budget: "90000000", preferredChannel: "email" }, "highEnd"],
    ["no channel, no city: the catch-all", { budget: "100" }, "catchAll"],
    ["nothing at all: the catch-all", {}, "catchAll"],
  ])("%s", async (_name, body, expected) => {
    const routed = await create(shop, body);
    const rule = rules[expected];
    expect(routed.routingRuleId, `routed by ${routed.routingRuleId}`).toBe(rule?.id);
    expect(routed.assignedTo).toBe(rule?.repIds[0]);
  });

  it("routes in one statement, bumping the rule's count", async () => {
    const before = (await call(ruleFn, { path: rulePath(rules.catchAll?.id ?? ""), token: shop.accessToken })).body
      .data;
    const res = await call(prospectsFn, { method: "POST", token: shop.accessToken, body: { name: "Counted" } });
    expect(res.statements).toBe(1);
    const after = (await call(ruleFn, { path: rulePath(rules.catchAll?.id ?? ""), token: shop.accessToken })).body.data;
    expect(after.assignmentCount).toBe(before.assignmentCount + 1);
  });

  it("tries rules by priority, then by id", async () => {
    const tenant = await registerTenant("routing-priority");
    const [first, second, third] = await reps(tenant, 3);
    await newRule(tenant, { name: "Later", priority: 50, cities: ["doha"], repIds: [first?.userId] });
    const sooner = await newRule(tenant, { name: "Sooner", priority: 40, cities: ["doha"], repIds: [second?.userId] });
    expect(await create(tenant, { city: "Doha" })).toMatchObject({ routingRuleId: sooner.id });
    // Two rules of equal priority: the lower id is tried first.
    const tied = [
      await newRule(tenant, { name: "Tie", priority: 5, cities: ["muscat"], repIds: [third?.userId] }),
      await newRule(tenant, { name: "Tie", priority: 5, cities: ["muscat"], repIds: [first?.userId] }),
    ].sort((a, b) => (a.id < b.id ? -1 : 1));
    expect(await create(tenant, { city: "Muscat" })).toMatchObject({ routingRuleId: tied[0]?.id });
  });

  it("leaves a prospect no rule takes unassigned", async () => {
    const tenant = await registerTenant("routing-none");
    const [only] = await reps(tenant, 1);
    await newRule(tenant, { cities: ["dubai"], repIds: [only?.userId] });
    expect(await create(tenant, { city: "Paris" })).toMatchObject({ assignedTo: null, routingRuleId: null });
  });

  it("passes over a rule whose reps are all inactive or no longer reps, and a switched-off rule", async () => {
    const tenant = await registerTenant("routing-skip");
    const [away, demoted, present] = await reps(tenant, 3);
    const skipped = await newRule(tenant, { priority: 1, repIds: [away?.userId, demoted?.userId] });
    const taking = await newRule(tenant, { priority: 2, repIds: [present?.userId, away?.userId] });
    const off = await call(repFn, {
      method: "PUT",
      path: `/api/reps/${away?.userId}`,
      token: tenant.accessToken,
      body: { isActive: false },
    });
    expect(off.status, off.text).toBe(200);
    const db = await getDb();
    // A rep whose role changed since the rule was written is no longer one of its reps.
    await db
      .update(users)
      .set({ role: "agent" })
      .where(eq(users.id, demoted?.userId ?? ""));
    expect(await create(tenant)).toMatchObject({ routingRuleId: taking.id, assignedTo: present?.userId });
    const untouched = await call(ruleFn, { path: rulePath(skipped.id), token: tenant.accessToken });
    expect(untouched.body.data.assignmentCount).toBe(0);
    await call(ruleFn, {
      method: "PATCH",
      path: rulePath(taking.id),
      token: tenant.accessToken,
      body: { isActive: false },
    });
    expect(await create(tenant)).toMatchObject({ routingRuleId: null, assignedTo: null });
  });

  it("keeps an explicit assignee and leaves the rules' turns alone", async () => {
    const res = await create(shop, { city: "Dubai", budget: "2000000", assignedTo: r[3]?.userId });
    expect(res).toMatchObject({ assignedTo: r[3]?.userId, routingRuleId: null });
  });
});

describe("round robin", () => {
  it("spreads twenty prospects created at once evenly over four reps, then over the three still active", async () => {
    const shop = await registerTenant("routing-fair");
    const team = await reps(shop, 4);
    const rule = await newRule(shop, { name: "Round robin", repIds: team.map((rep) => rep.userId) });
    const burst = (count: number, label: string) =>
      Promise.all(Array.from({ length: count }, (_, i) => create(shop, { name: `${label} ${i}` })));

    const first = await burst(20, "First");
    expect(first.every((routed) => routed.routingRuleId === rule.id)).toBe(true);
    expect(tally(first)).toEqual(Object.fromEntries(byId(team).map((id) => [id, 5])));
    // Turns go in id order: the n-th assignment (by count) to rep (n - 1) mod 4.
    const db = await getDb();
    const [stored] = await db.select().from(routingRules).where(eq(routingRules.id, rule.id));
    expect(stored?.assignmentCount).toBe(20);

    const [resting, ...working] = team;
    const off = await call(repFn, {
      method: "PATCH",
      path: `/api/reps/${resting?.userId}`,
      token: shop.accessToken,
      body: { isActive: false },
    });
    expect(off.body.data).toMatchObject({ id: resting?.userId, isActive: false, assignedProspects: 5 });
    const second = await burst(9, "Second");
    expect(tally(second)).toEqual(Object.fromEntries(byId(working).map((id) => [id, 3])));
  });

  it("takes turns in rep id order: assignment n goes to rep (n - 1) mod n_reps", async () => {
    const shop = await registerTenant("routing-order");
    const team = byId(await reps(shop, 3));
    await newRule(shop, { repIds: [...team].reverse() });
    const routed = [];
    for (let i = 0; i < 6; i++) routed.push((await create(shop)).assignedTo);
    expect(routed).toEqual([...team, ...team]);
  });
});

describe("POST /api/prospects/import", () => {
  let shop: Account;
  let team: Account[];
  let rule: Rule;
  beforeAll(async () => {
    shop = await registerTenant("routing-import");
    team = await reps(shop, 4);
    rule = await newRule(shop, { name: "Importing", repIds: team.map((rep) => rep.userId) });
  });

  it("adds 200 prospects routed evenly in a few statements, skipping emails the tenant or the request has already", async () => {
    const existing = await create(shop, { name: "Already here", email: "dup-0@example.test" });
    const items = [
      ...Array.from({ length: 200 }, (_, i) => ({ name: `Imported ${i}`, email: `imported-${i}@example.test` })),
      { name: "Existing, other case", email: "DUP-0@example.test" },
      { name: "Repeat in the request", email: "Imported-7@example.test" },
    ];
    const res = await call(importFn, { method: "POST", token: shop.accessToken, body: { prospects: items } });
    expect(res.status, res.text).toBe(200);
    expect(res.body.data).toMatchObject({ created: 200, skipped: 2, skippedIndexes: [200, 201] });
    expect(res.statements).toBeLessThanOrEqual(4);
    const added: (Routed & { index: number })[] = res.body.data.prospects;
    expect(added.map((item) => item.index)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(added.every((item) => item.routingRuleId === rule.id)).toBe(true);
    expect(tally(added)).toEqual(Object.fromEntries(byId(team).map((id) => [id, 50])));
    // The request's order takes the turns on from where the single create left them.
    const order = byId(team);
    const next = (turn: number) => order[turn % 4];
    expect(existing.assignedTo).toBe(next(0));
    expect(added.slice(0, 5).map((item) => item.assignedTo)).toEqual([1, 2, 3, 4, 5].map(next));
    expect((await create(shop)).assignedTo).toBe(next(201));
    const db = await getDb();
    const [stored] = await db
      .select()
      .from(prospects)
      .where(eq(prospects.id, added[7]?.id ?? ""));
    expect(stored).toMatchObject({ name: "Imported 7", email: "imported-7@example.test", tenantId: shop.tenantId });
  });

  it("keeps assignees given; one that is not a rep of the tenant is a 404 and adds nothing", async () => {
    const res = await call(importFn, {
      method: "POST",
      token: shop.accessToken,
      body: {
        prospects: [
          { name: "Chosen", assignedTo: team[2]?.userId },
          { name: "Routed", city: "Dubai" },
        ],
      },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.data.prospects[0]).toMatchObject({ assignedTo: team[2]?.userId, routingRuleId: null });
    expect(res.body.data.prospects[1]).toMatchObject({ routingRuleId: rule.id });

    const foreign = await addMember(await registerTenant("routing-import-other"), "sales_rep");
    const refused = await call(importFn, {
      method: "POST",
      token: shop.accessToken,
      body: {
        prospects: [
          { name: "Never added", email: "never@example.test" },
          { name: "X", assignedTo: foreign.userId },
        ],
      },
    });
    expect(refused.status).toBe(404);
    const search = await call(prospectsFn, { token: shop.accessToken, query: { search: "never@example.test" } });
    expect(search.body.data).toEqual([]);
  });

  it("routes concurrent imports fairly without deadlock", async () => {
    const tenant = await registerTenant("routing-import-race");
    const crew = await reps(tenant, 2);
    await newRule(tenant, { priority: 1, cities: ["dubai"], repIds: [crew[0]?.userId] });
    await newRule(tenant, { priority: 2, repIds: crew.map((rep) => rep.userId) });
    const batch = (label: string) =>
      Array.from({ length: 40 }, (_, i) => ({ name: `${label} ${i}`, city: i % 2 ? "Dubai" : "Riyadh" }));
    const results = await Promise.all(
      ["A", "B", "C", "D"].map((label) =>
        call(importFn, { method: "POST", token: tenant.accessToken, body: { prospects: batch(label) } }),
      ),
    );
    expect(results.map((res) => res.status)).toEqual([200, 200, 200, 200]);
    const riyadh = results.flatMap((res) => res.body.data.prospects.filter((_: unknown, i: number) => i % 2 === 0));
    expect(tally(riyadh)).toEqual(Object.fromEntries(byId(crew).map((id) => [id, 40])));
  });

  it("queues an import behind the tenant's routing lock, then routes by the rules as they are, new ones included", async () => {
    const tenant = await registerTenant("routing-import-queue");
    const [rep] = await reps(tenant, 1);
    const db = await getDb();
    const ruleId = randomUUID();
    let taken = () => {};
    let release = () => {};
    const lockTaken = new Promise<void>((resolve) => {
      taken = resolve;
    });
    // Another import's transaction: it holds the lock and adds a rule that commits with it.
    const holding = db.transaction(async (tx) => {
      await serializeBatchRouting(tx, tenant.tenantId);
      await tx
        .insert(routingRules)
        .values({ id: ruleId, tenantId: tenant.tenantId, name: "Added meanwhile", repIds: [rep?.userId ?? ""] });
      taken();
      await new Promise<void>((resolve) => {
        release = resolve;
      });
    });
    await lockTaken;
    let answered = false;
    const importing = call(importFn, {
      method: "POST",
      token: tenant.accessToken,
      body: { prospects: [{ name: "Queued" }] },
    }).finally(() => {
      answered = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(answered).toBe(false);
    release();
    await holding;
    const res = await importing;
    expect(res.status, res.text).toBe(200);
    expect(res.body.data.prospects[0]).toMatchObject({ routingRuleId: ruleId, assignedTo: rep?.userId });
  });

  it.each([
    ["no prospects", { prospects: [] }],
    ["1,001 prospects", { prospects: Array.from({ length: 1001 }, (_, i) => ({ name: `P${i}` })) }],
    ["an invalid prospect", { prospects: [{ name: "Fine" }, { name: "Bad", budget: "lots" }] }],
    ["an unknown field", { prospects: [{ name: "Fine" }], dryRun: true }],
  ])("refuses %s with 400", async (_name, body) => {
    const res = await call(importFn, { method: "POST", token: shop.accessToken, body });
    expect(res.status, res.text).toBe(400);
  });

  it("is for managers: a sales rep and an ai-agent key are refused", async () => {
    const body = { prospects: [{ name: "Nope" }] };
    expect((await call(importFn, { method: "POST", token: team[0]?.accessToken, body })).status).toBe(403);
    const { key } = await createApiKey(shop, ["ai-agent"]);
    expect((await call(importFn, { method: "POST", apiKey: key, body })).status).toBe(403);
  });
});

describe("/api/routing-rules", () => {
  let shop: Account;
  let team: Account[];
  beforeAll(async () => {
    shop = await registerTenant("routing-rules");
    team = [await addMember(shop, "sales_rep"), await addMember(shop, "sales_manager")];
  });

  it("stores cities trimmed, in lower case and once; channels and reps once; defaults", async () => {
    const rep = team[0]?.userId;
    const rule = await newRule(shop, {
      cities: [" Dubai", "DUBAI", "Abu Dhabi "],
      channels: ["PHONE", "phone", "sms"],
      repIds: [rep, rep, team[1]?.userId],
    });
    expect(rule).toMatchObject({
      priority: 100,
      isActive: true,
      cities: ["dubai", "abu dhabi"],
      channels: ["phone", "sms"],
      repIds: [rep, team[1]?.userId],
      minBudget: null,
      maxBudget: null,
      assignmentCount: 0,
    });
    expect(rule).not.toHaveProperty("tenantId");
    const banded = await newRule(shop, { minBudget: 100.5, maxBudget: "100.50", repIds: [rep] });
    expect(banded).toMatchObject({ minBudget: "100.50", maxBudget: "100.50" });
  });

  it.each([
    ["no reps", { repIds: [] }],
    ["51 reps", { repIds: Array.from({ length: 51 }, () => crypto.randomUUID()) }],
    ["a rep id that is not a UUID", { repIds: ["rep"] }],
    ["maxBudget below minBudget", { minBudget: "200", maxBudget: "199.99" }],
    ["a negative bound", { minBudget: -5 }],
    ["an unknown channel", { channels: ["fax"] }],
    ["an empty city", { cities: [" "] }],
    ["a fractional priority", { priority: 1.5 }],
    ["an unknown field", { weight: 2 }],
  ])("refuses %s with 400", async (_name, change) => {
    const res = await call(rulesFn, {
      method: "POST",
      token: shop.accessToken,
      body: { name: "Bad", repIds: [team[0]?.userId], ...change },
    });
    expect(res.status, res.text).toBe(400);
  });

  it("answers 404 for reps that are not reps of the tenant (an agent, another tenant's rep), adding nothing", async () => {
    const agent = await addMember(shop, "agent");
    const foreign = await addMember(await registerTenant("routing-rules-other"), "sales_rep");
    for (const stranger of [agent.userId, foreign.userId, crypto.randomUUID()]) {
      const res = await call(rulesFn, {
        method: "POST",
        token: shop.accessToken,
        body: { name: "Strangers", repIds: [team[0]?.userId, stranger] },
      });
      expect(res.status).toBe(404);
    }
    const list = await call(rulesFn, { token: shop.accessToken, query: { limit: 100 } });
    expect(list.body.data.map((rule: Rule) => rule.name)).not.toContain("Strangers");
  });

  it("lists the tenant's rules by priority then id, in one statement; filters by isActive", async () => {
    const tenant = await registerTenant("routing-rules-list");
    const [rep] = await reps(tenant, 1);
    const made = [
      await newRule(tenant, { name: "Third", priority: 30, repIds: [rep?.userId] }),
      await newRule(tenant, { name: "First", priority: 1, repIds: [rep?.userId], isActive: false }),
      await newRule(tenant, { name: "Second", priority: 20, repIds: [rep?.userId] }),
    ];
    await newRule(shop, { name: "Another tenant's", priority: 0, repIds: [team[0]?.userId] });
    const res = await call(rulesFn, { token: tenant.accessToken });
    expect(res.status).toBe(200);
    expect(res.body.data.map((rule: Rule) => rule.name)).toEqual(["First", "Second", "Third"]);
    expect(res.statements).toBe(1);
    const active = await call(rulesFn, { token: tenant.accessToken, query: { isActive: "true" } });
    expect(active.body.data.map((rule: Rule) => rule.name)).toEqual(["Second", "Third"]);
    const page = await call(rulesFn, { token: tenant.accessToken, query: { limit: 1, offset: 2 } });
    expect(page.body.data.map((rule: Rule) => rule.id)).toEqual([made[0]?.id]);
    for (const query of [{ limit: 0 }, { limit: 101 }, { isActive: "yes" }, { priority: 1 }]) {
      expect((await call(rulesFn, { token: tenant.accessToken, query })).status, JSON.stringify(query)).toBe(400);
    }
  });

  it("reads, changes and deletes a rule; another tenant's is a 404 and stays", async () => {
    const rule = await newRule(shop, { name: "Editable", minBudget: "100", repIds: [team[0]?.userId] });
    const target = rulePath(rule.id);
    const read = await call(ruleFn, { path: target, token: shop.accessToken });
    expect(read.body.data).toMatchObject({ id: rule.id, name: "Editable" });
    expect(read.statements).toBe(1);
    const patched = await call(ruleFn, {
      method: "PATCH",
      path: target,
      token: shop.accessToken,
      body: { cities: ["Riyadh"], maxBudget: "500", repIds: [team[1]?.userId] },
    });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body.data).toMatchObject({
      name: "Editable",
      cities: ["riyadh"],
      minBudget: "100.00",
      maxBudget: "500.00",
      repIds: [team[1]?.userId],
    });
    const put = await call(ruleFn, { method: "PUT", path: target, token: shop.accessToken, body: { minBudget: null } });
    expect(put.body.data).toMatchObject({ minBudget: null, maxBudget: "500.00" });
    const other = await registerTenant("routing-rules-thief");
    for (const method of ["GET", "PATCH", "DELETE"]) {
      const res = await call(ruleFn, {
        method,
        path: target,
        token: other.accessToken,
        body: method === "PATCH" ? { name: "Mine" } : undefined,
      });
      expect(res.status, method).toBe(404);
    }
    const deleted = await call(ruleFn, { method: "DELETE", path: target, token: shop.accessToken });
    expect(deleted.status).toBe(204);
    expect((await call(ruleFn, { path: target, token: shop.accessToken })).status).toBe(404);
  });

  it("answers 422 for a bound past the stored other bound, 400 for an empty change, 404 for a stranger rep", async () => {
    const rule = await newRule(shop, { minBudget: "1000", maxBudget: "2000", repIds: [team[0]?.userId] });
    const target = rulePath(rule.id);
    const past = await call(ruleFn, {
      method: "PATCH",
      path: target,
      token: shop.accessToken,
      body: { maxBudget: "999" },
    });
    expect(past.status, past.text).toBe(422);
    expect((await call(ruleFn, { method: "PATCH", path: target, token: shop.accessToken, body: {} })).status).toBe(400);
    const agent = await addMember(shop, "agent");
    const stranger = await call(ruleFn, {
      method: "PATCH",
      path: target,
      token: shop.accessToken,
      body: { repIds: [agent.userId] },
    });
    expect(stranger.status).toBe(404);
    const kept = await call(ruleFn, { path: target, token: shop.accessToken });
    expect(kept.body.data).toMatchObject({ maxBudget: "2000.00", repIds: [team[0]?.userId] });
  });

  it("is for managers: sales reps and QA supervisors may not read or write rules", async () => {
    const rule = await newRule(shop, { repIds: [team[0]?.userId] });
    const manager = team[1] as Account;
    expect((await call(rulesFn, { token: manager.accessToken })).status).toBe(200);
    for (const role of ["sales_rep", "qa_supervisor"] as const) {
      const member = await addMember(shop, role);
      expect((await call(rulesFn, { token: member.accessToken })).status, role).toBe(403);
      const res = await call(ruleFn, {
        method: "PATCH",
        path: rulePath(rule.id),
        token: member.accessToken,
        body: { priority: 1 },
      });
      expect(res.status, role).toBe(403);
    }
  });
});

describe("/api/reps", () => {
  let shop: Account;
  let rep: Account;
  let manager: Account;
  beforeAll(async () => {
    shop = await registerTenant("reps");
    rep = await addMember(shop, "sales_rep");
    manager = await addMember(shop, "sales_manager");
    await addMember(shop, "agent");
    await create(shop, { assignedTo: rep.userId });
    await create(shop, { assignedTo: rep.userId });
    await addMember(await registerTenant("reps-other"), "sales_rep");
  });

  it("lists the tenant's reps and sales managers, oldest first, each active with their prospect count, in one statement", async () => {
    const res = await call(repsFn, { token: shop.accessToken });
    expect(res.status, res.text).toBe(200);
    expect(res.body.data).toEqual([
      expect.objectContaining({ id: rep.userId, role: "sales_rep", isActive: true, assignedProspects: 2 }),
      expect.objectContaining({ id: manager.userId, role: "sales_manager", isActive: true, assignedProspects: 0 }),
    ]);
    expect(res.statements).toBe(1);
  });

  it("sets a rep inactive and back in one statement; the list and its filter show it", async () => {
    const off = await call(repFn, {
      method: "PUT",
      path: `/api/reps/${manager.userId}`,
      token: shop.accessToken,
      body: { isActive: false },
    });
    expect(off.status, off.text).toBe(200);
    expect(off.body.data).toMatchObject({ id: manager.userId, name: "A sales_manager", isActive: false });
    expect(off.statements).toBe(1);
    const inactive = await call(repsFn, { token: shop.accessToken, query: { isActive: "false" } });
    expect(inactive.body.data.map((item: { id: string }) => item.id)).toEqual([manager.userId]);
    const on = await call(repFn, {
      method: "PATCH",
      path: `/api/reps/${manager.userId}`,
      token: shop.accessToken,
      body: { isActive: true },
    });
    expect(on.body.data.isActive).toBe(true);
    const active = await call(repsFn, { token: shop.accessToken, query: { isActive: "true" } });
    expect(active.body.data).toHaveLength(2);
  });

  it("answers 404 for a user who is not a rep of the tenant, and 400 for a bad body", async () => {
    const agent = await addMember(shop, "agent");
    const foreign = await addMember(await registerTenant("reps-thief"), "sales_rep");
    for (const id of [agent.userId, shop.userId, foreign.userId, crypto.randomUUID()]) {
      const res = await call(repFn, {
        method: "PUT",
        path: `/api/reps/${id}`,
        token: shop.accessToken,
        body: { isActive: false },
      });
      expect(res.status, id).toBe(404);
    }
    for (const body of [{}, { isActive: "no" }, { isActive: false, note: "x" }]) {
      const res = await call(repFn, { method: "PUT", path: `/api/reps/${rep.userId}`, token: shop.accessToken, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
  });

  it("lets QA and compliance read the team, not change it; a sales rep does neither", async () => {
    for (const role of ["qa_supervisor", "compliance_officer"] as const) {
      const reader = await addMember(shop, role);
      expect((await call(repsFn, { token: reader.accessToken })).status, role).toBe(200);
      const res = await call(repFn, {
        method: "PUT",
        path: `/api/reps/${rep.userId}`,
        token: reader.accessToken,
        body: { isActive: false },
      });
      expect(res.status, role).toBe(403);
    }
    expect((await call(repsFn, { token: rep.accessToken })).status).toBe(403);
  });
});
