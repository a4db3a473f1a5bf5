import { and, count, countDistinct, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb, statementCounter } from "../../db/client";
import { syncState, whatsappTemplates } from "../../db/schema";
import * as templatesFn from "../../netlify/functions/inbox-templates";
import * as templateFn from "../../netlify/functions/inbox-templates-id";
import * as refreshFunction from "../../netlify/functions/inbox-whatsapp-template-refresh";
import type { FakeGraph } from "../../scripts/dev/fake-graph";
import { metaErrorBody } from "../../scripts/dev/fake-graph";
import { type Account, addMember, createApiKey, registerTenant } from "../../scripts/dev/fixtures";
import { call } from "../../scripts/dev/http";
import { refreshTemplates, TEMPLATE_REFRESH_JOB } from "../../services/inbox/whatsapp/template-refresh";
import { mockGraph } from "../helpers/whatsapp-msw";

const meta = mockGraph();
const soon = (ms = 60_000) => Date.now() + ms;

/** Spec 003's example template, with the example Meta requires for its parameter. */
const welcome = (name: string) => ({
  name,
  category: "MARKETING",
  language: "en",
  components: [
    { type: "HEADER", format: "TEXT", text: "Welcome!" },
    { type: "BODY", text: "Hello {{1}}, welcome to our service!", example: { body_text: [["Ana"]] } },
  ],
});

let sequence = 0;
const templateName = (label: string) => `${label}_${Date.now()}_${++sequence}`;

const create = (account: Account, body: unknown, auth: { apiKey?: string } = {}) =>
  call(templatesFn, {
    method: "POST",
    ...(auth.apiKey ? { apiKey: auth.apiKey } : { token: account.accessToken }),
    body,
  });

const list = (account: Account, query: Record<string, string | number | boolean> = {}) =>
  call(templatesFn, { token: account.accessToken, query });

const remove = (account: Account, id: string) =>
  call(templateFn, { method: "DELETE", path: `/api/templates/${id}`, token: account.accessToken });

async function rowsOf(tenantId: string) {
  const db = await getDb();
  return db
    .select()
    .from(whatsappTemplates)
    .where(eq(whatsappTemplates.tenantId, tenantId))
    .orderBy(whatsappTemplates.metaTemplateId);
}

const templateRequests = (graph: FakeGraph, method: string) =>
  graph.requests.filter((request) => request.method === method && request.path.endsWith("/message_templates"));

/** Stores templates for the list tests directly, a second apart, oldest first. */
async function seed(tenantId: string, templates: Partial<typeof whatsappTemplates.$inferInsert>[]) {
  const db = await getDb();
  const start = Date.now() - 3_600_000;
  return db
    .insert(whatsappTemplates)
    .values(
      templates.map((template, i) => ({
        tenantId,
        businessAccountId: "waba-list",
        metaTemplateId: `meta-${tenantId}-${i}`,
        name: `template_${i}`,
        language: "en_US",
        category: "utility" as const,
        status: "approved",
        components: [{ type: "BODY", text: "Hi" }],
        createdAt: new Date(start + i * 1000),
        ...template,
      })),
    )
    .returning();
}

const names = (res: { body: { data: { name: string }[] } }) => res.body.data.map((template) => template.name);

describe("GET /api/templates", () => {
  it("filters by status, category, language and name (contained, any case, wildcards literal), newest first", async () => {
    const owner = await registerTenant("tpl-list");
    const other = await registerTenant("tpl-list-other");
    await seed(owner.tenantId, [
      { name: "order_shipped", status: "approved", category: "utility", language: "en_US" },
      { name: "order_delayed", status: "rejected", category: "utility", language: "pt_BR" },
      { name: "summer_sale", status: "approved", category: "marketing", language: "en_US" },
      { name: "login_code", status: "pending", category: "authentication", language: "en_US" },
      { name: "orderxdeal", status: "paused", category: "marketing", language: "en" },
      { name: "old_offer", status: "deleted", deletedAt: new Date() },
    ]);
    await seed(other.tenantId, [{ name: "order_other_tenant" }]);

    const all = await list(owner);
    expect(all.status, all.text).toBe(200);
    expect(names(all)).toEqual(["orderxdeal", "login_code", "summer_sale", "order_delayed", "order_shipped"]);
    expect(all.body.pagination).toMatchObject({ total: 5, totalIsExact: true });
    expect(all.body.data[0]).not.toHaveProperty("tenantId");

    expect(names(await list(owner, { status: "APPROVED" }))).toEqual(["summer_sale", "order_shipped"]);
    expect(names(await list(owner, { category: "marketing" }))).toEqual(["orderxdeal", "summer_sale"]);
    expect(names(await list(owner, { language: "en_US" }))).toEqual(["login_code", "summer_sale", "order_shipped"]);
    expect(names(await list(owner, { name: "ORDER" }))).toEqual(["orderxdeal", "order_delayed", "order_shipped"]);
    // `_` is a character to find, not LIKE's any-character: orderxdeal does not contain "r_d".
    expect(names(await list(owner, { name: "r_d" }))).toEqual(["order_delayed"]);
    expect(names(await list(owner, { status: "approved", category: "utility", name: "ship" }))).toEqual([
      "order_shipped",
    ]);

    // Deleted ones only when asked for.
    expect(names(await list(owner, { includeDeleted: true }))).toContain("old_offer");
    expect(names(await list(owner, { status: "deleted" }))).toEqual(["old_offer"]);
    expect(names(await list(other))).toEqual(["order_other_tenant"]);

    const refused: Record<string, string>[] = [
      { status: "bogus" },
      { includeDeleted: "yes" },
      { language: "english" },
      { sort: "name" },
    ];
    for (const query of refused) {
      const bad = await list(owner, query);
      expect(bad.status, JSON.stringify(query)).toBe(400);
      expect(bad.body.error.code).toBe("VALIDATION_FAILED");
    }
  });

  it("pages by cursor and by offset", async () => {
    const owner = await registerTenant("tpl-page");
    await seed(
      owner.tenantId,
      Array.from({ length: 5 }, (_, i) => ({ name: `page_${i}` })),
    );
    const first = await list(owner, { limit: 2 });
    expect(names(first)).toEqual(["page_4", "page_3"]);
    expect(first.body.pagination).toMatchObject({ total: 5, hasMore: true });
    const second = await list(owner, { limit: 2, cursor: first.body.pagination.nextCursor });
    expect(names(second)).toEqual(["page_2", "page_1"]);
    const last = await list(owner, { limit: 2, cursor: second.body.pagination.nextCursor });
    expect(names(last)).toEqual(["page_0"]);
    expect(last.body.pagination).toMatchObject({ hasMore: false, nextCursor: null });
    expect(names(await list(owner, { limit: 2, page: 2 }))).toEqual(["page_2", "page_1"]);
  });

  it("is read by any member and read keys; another tenant's template is a 404", async () => {
    const owner = await registerTenant("tpl-get");
    const other = await registerTenant("tpl-get-other");
    const [template] = await seed(owner.tenantId, [{ name: "one_template" }]);
    const agent = await addMember(owner, "agent");
    const readKey = await createApiKey(owner, ["read"]);
    expect((await call(templatesFn, { token: agent.accessToken })).status).toBe(200);
    expect((await call(templatesFn, { apiKey: readKey.key })).status).toBe(200);

    const path = `/api/templates/${template?.id}`;
    const mine = await call(templateFn, { path, token: agent.accessToken });
    expect(mine.status, mine.text).toBe(200);
    expect(mine.body.data).toMatchObject({ id: template?.id, name: "one_template", category: "utility" });
    expect((await call(templateFn, { path, token: other.accessToken })).status).toBe(404);
    expect((await call(templateFn, { path: "/api/templates/not-a-uuid", token: owner.accessToken })).status).toBe(400);
  });
});

describe("POST /api/templates", () => {
  it("submits the template to Meta as given and stores it with Meta's id, pending", async () => {
    const { owner, graph, number } = await meta.tenantWithWhatsApp("tpl-create");
    const body = welcome(templateName("welcome"));
    const res = await create(owner, body);
    expect(res.status, res.text).toBe(201);

    const [request] = templateRequests(graph, "POST");
    expect(request?.path).toBe(`/v23.0/${number.businessAccountId}/message_templates`);
    expect(request?.authorization).toBe(`Bearer ${number.accessToken}`);
    expect(request?.body).toEqual(body);
    const atMeta = graph.templates.find((template) => template.name === body.name);
    expect(res.body.data).toMatchObject({
      metaTemplateId: atMeta?.id,
      businessAccountId: number.businessAccountId,
      name: body.name,
      language: "en",
      category: "marketing",
      status: "pending",
      components: body.components,
      deletedAt: null,
    });
    const [row] = await rowsOf(owner.tenantId);
    expect(row).toMatchObject({ id: res.body.data.id, status: "pending", metaTemplateId: atMeta?.id });
    expect(row?.seenAt).not.toBeNull();
  });

  it("sends Meta its types in capitals whatever case the client used, and takes buttons and a media header", async () => {
    const { owner, graph } = await meta.tenantWithWhatsApp("tpl-case");
    const name = templateName("promo");
    const res = await create(owner, {
      name,
      category: "marketing",
      language: "en_US",
      components: [
        { type: "header", format: "image", example: { header_handle: ["4::aW1hZ2U="] } },
        {
          type: "body",
          text: "Hi {{1}}, use {{2}} before {{1}} ends",
          example: { body_text: [["Ana", "SUMMER10"]] },
        },
        { type: "footer", text: "Reply STOP to opt out" },
        {
          type: "buttons",
          buttons: [
            { type: "quick_reply", text: "Yes" },
            { type: "quick_reply", text: "No" },
            {
              type: "url",
              text: "Shop",
              url: "https://shop.example.test/{{1}}",
              example: ["https://shop.example.test/x"],
            },
            { type: "phone_number", text: "Call us", phone_number: "+15550001234" },
            { type: "copy_code", example: "SUMMER10" },
          ],
        },
      ],
    });
    expect(res.status, res.text).toBe(201);
    const sent = templateRequests(graph, "POST")[0]?.body as {
      category: string;
      components: Record<string, unknown>[];
    };
    expect(sent.category).toBe("MARKETING");
    expect(sent.components.map((c) => c.type)).toEqual(["HEADER", "BODY", "FOOTER", "BUTTONS"]);
    expect(sent.components[0]).toMatchObject({ format: "IMAGE" });
    expect((sent.components[3] as { buttons: { type: string }[] }).buttons.map((b) => b.type)).toEqual([
      "QUICK_REPLY",
      "QUICK_REPLY",
      "URL",
      "PHONE_NUMBER",
      "COPY_CODE",
    ]);
  });

  it("refuses components that break Meta's rules with 400s naming them, asking Meta nothing", async () => {
    const { owner, graph } = await meta.tenantWithWhatsApp("tpl-invalid");
    const body = (components: unknown[], extra: Record<string, unknown> = {}) => ({
      ...welcome(templateName("bad")),
      components,
      ...extra,
    });
    const BODY = { type: "BODY", text: "Hello there" };
    const cases: [unknown, string][] = [
      [{ ...welcome("Welcome Message") }, "body.name"],
      [{ ...welcome("x".repeat(513)) }, "body.name"],
      [body([{ type: "HEADER", format: "TEXT", text: "Hi" }]), "body.components"],
      [body([BODY, BODY]), "body.components"],
      [body([{ type: "HEADER", format: "TEXT", text: "x".repeat(61) }, BODY]), "body.components.0.text"],
      [body([{ type: "BODY", text: "x".repeat(1025) }]), "body.components.0.text"],
      [body([BODY, { type: "FOOTER", text: "x".repeat(61) }]), "body.components.1.text"],
      [body([{ type: "HEADER", format: "GIFS" }, BODY]), "body.components.0.format"],
      [body([{ type: "HEADER", format: "IMAGE" }, BODY]), "body.components.0.example.header_handle"],
      [
        body([{ type: "HEADER", format: "TEXT", text: "Hi {{1}} {{2}}", example: { header_text: ["a"] } }, BODY]),
        "body.components.0.text",
      ],
      [body([{ type: "BODY", text: "Hi {{2}} there" }]), "body.components.0.text"],
      [body([{ type: "BODY", text: "Hi {{name}} there" }]), "body.components.0.text"],
      [body([{ type: "BODY", text: "Hi {{1}} there" }]), "body.components.0.example.body_text"],
      [
        body([{ type: "BODY", text: "Hi {{1}} and {{2}} there", example: { body_text: [["a"]] } }]),
        "body.components.0.example.body_text",
      ],
      [body([{ type: "BODY", text: "{{1}} is here", example: { body_text: [["a"]] } }]), "body.components.0.text"],
      [body([BODY, { type: "FOOTER", text: "Bye {{1}}" }]), "body.components.1.text"],
      [
        body([
          BODY,
          { type: "BUTTONS", buttons: Array.from({ length: 11 }, () => ({ type: "QUICK_REPLY", text: "a" })) },
        ]),
        "body.components.1.buttons",
      ],
      [
        body([BODY, { type: "BUTTONS", buttons: [{ type: "QUICK_REPLY", text: "x".repeat(26) }] }]),
        "body.components.1.buttons.0.text",
      ],
      [
        body([
          BODY,
          {
            type: "BUTTONS",
            buttons: [
              { type: "QUICK_REPLY", text: "a" },
              { type: "PHONE_NUMBER", text: "Call", phone_number: "+15550001234" },
              { type: "QUICK_REPLY", text: "b" },
            ],
          },
        ]),
        "body.components.1.buttons",
      ],
      [
        body([
          BODY,
          {
            type: "BUTTONS",
            buttons: [
              { type: "URL", text: "Go", url: "https://x.test/{{1}}/page", example: ["https://x.test/a/page"] },
            ],
          },
        ]),
        "body.components.1.buttons.0.url",
      ],
      [
        body([BODY, { type: "BUTTONS", buttons: [{ type: "URL", text: "Go", url: "https://x.test/{{1}}" }] }]),
        "body.components.1.buttons.0.example",
      ],
      [body([BODY, { type: "BUTTONS", buttons: [{ type: "FLOW", text: "Go" }] }]), "body.components.1.buttons.0.type"],
      [
        body([BODY, { type: "BUTTONS", buttons: [{ type: "OTP", otp_type: "COPY_CODE" }] }]),
        "body.components.1.buttons.0.type",
      ],
      [body([{ ...BODY, extra: true }]), "body.components.0"],
      [body([BODY], { category: "AUTHENTICATION" }), "body.components"],
      [body([BODY], { category: "promotional" }), "body.category"],
      [body([BODY], { language: "English" }), "body.language"],
      [body([]), "body.components"],
    ];
    for (const [input, path] of cases) {
      const res = await create(owner, input);
      expect(res.status, JSON.stringify(input).slice(0, 300)).toBe(400);
      expect(res.body.error.code).toBe("VALIDATION_FAILED");
      expect(
        res.body.error.details.map((detail: { path: string }) => detail.path),
        JSON.stringify(input).slice(0, 300),
      ).toContain(path);
    }
    expect(templateRequests(graph, "POST")).toHaveLength(0);
    expect(await rowsOf(owner.tenantId)).toHaveLength(0);
  });

  it("takes an authentication template in Meta's fixed form", async () => {
    const { owner, graph } = await meta.tenantWithWhatsApp("tpl-auth");
    const res = await create(owner, {
      name: templateName("login_code"),
      category: "authentication",
      language: "en_US",
      components: [
        { type: "BODY", add_security_recommendation: true },
        { type: "FOOTER", code_expiration_minutes: 10 },
        { type: "BUTTONS", buttons: [{ type: "OTP", otp_type: "copy_code", text: "Copy code" }] },
      ],
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body.data).toMatchObject({ category: "authentication", status: "pending" });
    expect(templateRequests(graph, "POST")[0]?.body).toMatchObject({ category: "AUTHENTICATION" });
  });

  it("answers 409 for a name and language the tenant has, before asking Meta; a deleted one may be made again", async () => {
    const { owner, graph } = await meta.tenantWithWhatsApp("tpl-dup");
    const body = welcome(templateName("dup"));
    const first = await create(owner, body);
    expect(first.status, first.text).toBe(201);
    const again = await create(owner, body);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("CONFLICT");
    expect(templateRequests(graph, "POST")).toHaveLength(1);
    // Another language of the same name is another template.
    expect((await create(owner, { ...body, language: "pt_BR" })).status).toBe(201);

    expect((await remove(owner, first.body.data.id)).status).toBe(204);
    const remade = await create(owner, body);
    expect(remade.status, remade.text).toBe(201);
    expect(remade.body.data.id).not.toBe(first.body.data.id);
  });

  it("makes one template of the same create sent ten times at once, and nine 409s", async () => {
    const { owner, graph } = await meta.tenantWithWhatsApp("tpl-concurrent");
    const body = welcome(templateName("concurrent"));
    const answers = await Promise.all(Array.from({ length: 10 }, () => create(owner, body)));
    expect(answers.map((answer) => answer.status).sort()).toEqual([201, ...Array<number>(9).fill(409)]);
    expect(templateRequests(graph, "POST")).toHaveLength(1);
    expect(await rowsOf(owner.tenantId)).toHaveLength(1);
  });

  it("answers 502 with Meta's error when Meta refuses, and stores nothing", async () => {
    const { owner, graph } = await meta.tenantWithWhatsApp("tpl-upstream");
    // Meta still has a template of that name and language (made in WhatsApp Manager, not yet refreshed).
    const name = templateName("taken_at_meta");
    graph.addTemplates(1, () => ({ name, language: "en" }));
    const res = await create(owner, welcome(name));
    expect(res.status, res.text).toBe(502);
    expect(res.body.error.code).toBe("UPSTREAM_FAILED");
    expect(res.body.error.details[0]).toMatchObject({ status: 400, code: 100, subcode: 2388024 });
    expect(await rowsOf(owner.tenantId)).toHaveLength(0);

    graph.failNext(1, 403, metaErrorBody(200, { message: "(#200) Permissions error" }), { path: "message_templates" });
    const denied = await create(owner, welcome(templateName("denied")));
    expect(denied.status).toBe(502);
    expect(denied.body.error.details[0]).toMatchObject({ status: 403, code: 200 });
    expect(await rowsOf(owner.tenantId)).toHaveLength(0);
  });

  it("answers 422 saying how to configure WhatsApp when the tenant has no number, account or token", async () => {
    const owner = await registerTenant("tpl-unconfigured");
    const res = await create(owner, welcome(templateName("nowhere")));
    expect(res.status).toBe(422);
    expect(res.body.error.message).toMatch(/whatsappConfig/);
  });

  it("is for owners, admins and write keys", async () => {
    const { owner } = await meta.tenantWithWhatsApp("tpl-roles");
    const admin = await addMember(owner, "admin");
    const agent = await addMember(owner, "agent");
    const readKey = await createApiKey(owner, ["read"]);
    const writeKey = await createApiKey(owner, ["write"]);
    expect((await create(agent, welcome(templateName("agent")))).status).toBe(403);
    expect((await create(owner, welcome(templateName("read")), { apiKey: readKey.key })).status).toBe(403);
    expect((await create(admin, welcome(templateName("admin")))).status).toBe(201);
    expect((await create(owner, welcome(templateName("key")), { apiKey: writeKey.key })).status).toBe(201);
  });
});

describe("DELETE /api/templates/:id", () => {
  it("deletes the template at Meta, by its id, and marks it deleted here", async () => {
    const { owner, graph, number } = await meta.tenantWithWhatsApp("tpl-delete");
    const created = await create(owner, welcome(templateName("doomed")));
    const { id, name, metaTemplateId } = created.body.data;
    // Its other language stays at Meta.
    const other = await create(owner, { ...welcome(name), language: "pt_BR" });
    expect(other.status).toBe(201);

    const res = await remove(owner, id);
    expect(res.status, res.text).toBe(204);
    const [request] = templateRequests(graph, "DELETE");
    const url = new URL(request?.url ?? "");
    expect(url.pathname).toBe(`/v23.0/${number.businessAccountId}/message_templates`);
    expect(Object.fromEntries(url.searchParams)).toEqual({ name, hsm_id: metaTemplateId });
    expect(graph.templates.map((template) => template.id)).toEqual([other.body.data.metaTemplateId]);

    const row = (await rowsOf(owner.tenantId)).find((template) => template.id === id);
    expect(row).toMatchObject({ status: "deleted" });
    expect(row?.deletedAt).not.toBeNull();
    expect(names(await list(owner))).toEqual([name]);
    const shown = await call(templateFn, { path: `/api/templates/${id}`, token: owner.accessToken });
    expect(shown.body.data).toMatchObject({ status: "deleted" });

    // Deleting it again asks Meta nothing.
    expect((await remove(owner, id)).status).toBe(204);
    expect(templateRequests(graph, "DELETE")).toHaveLength(1);
  });

  it("counts a template Meta no longer has as deleted", async () => {
    const { owner, graph } = await meta.tenantWithWhatsApp("tpl-gone");
    const created = await create(owner, welcome(templateName("gone")));
    graph.templates.splice(0, graph.templates.length);
    expect((await remove(owner, created.body.data.id)).status).toBe(204);
    expect((await rowsOf(owner.tenantId))[0]).toMatchObject({ status: "deleted" });
  });

  it("answers 502 and keeps the template when Meta refuses", async () => {
    const { owner, graph } = await meta.tenantWithWhatsApp("tpl-delete-refused");
    const created = await create(owner, welcome(templateName("kept")));
    graph.failNext(1, 403, metaErrorBody(200, { message: "(#200) Permissions error" }), { path: "message_templates" });
    const res = await remove(owner, created.body.data.id);
    expect(res.status).toBe(502);
    expect(res.body.error.details[0]).toMatchObject({ code: 200 });
    expect((await rowsOf(owner.tenantId))[0]).toMatchObject({ status: "pending", deletedAt: null });
    expect(graph.templates).toHaveLength(1);
  });

  it("answers 404 for another tenant's template and 403 below admin, asking Meta nothing", async () => {
    const { owner, graph } = await meta.tenantWithWhatsApp("tpl-delete-guard");
    const intruder = await meta.tenantWithWhatsApp("tpl-delete-intruder");
    const created = await create(owner, welcome(templateName("guarded")));
    const agent = await addMember(owner, "agent");
    const readKey = await createApiKey(owner, ["read"]);
    const path = `/api/templates/${created.body.data.id}`;
    expect((await remove(intruder.owner, created.body.data.id)).status).toBe(404);
    expect((await call(templateFn, { method: "DELETE", path, token: agent.accessToken })).status).toBe(403);
    expect((await call(templateFn, { method: "DELETE", path, apiKey: readKey.key })).status).toBe(403);
    expect(templateRequests(graph, "DELETE")).toHaveLength(0);
    expect(templateRequests(intruder.graph, "DELETE")).toHaveLength(0);
    expect((await rowsOf(owner.tenantId))[0]).toMatchObject({ deletedAt: null });
  });
});

describe("the whatsapp-template-refresh job", () => {
  async function stateOf(tenantId: string) {
    const db = await getDb();
    const [row] = await db
      .select()
      .from(syncState)
      .where(and(eq(syncState.tenantId, tenantId), eq(syncState.job, TEMPLATE_REFRESH_JOB)));
    return row;
  }

  async function refresh(tenantId: string, options: { deadline?: number; pageSize?: number } = {}) {
    const db = await getDb();
    const before = statementCounter.count;
    const result = await refreshTemplates.runTenant(db, tenantId, { deadline: soon(), pageSize: 100, ...options });
    return { ...result, statements: statementCounter.count - before };
  }

  /** What the database holds of each template, as Meta would list it. */
  const stored = async (tenantId: string) =>
    (await rowsOf(tenantId)).map((row) => ({
      id: row.metaTemplateId,
      name: row.name,
      status: row.status,
      deleted: row.deletedAt !== null,
      updatedAt: row.updatedAt.getTime(),
    }));

  it("follows paging.next across three pages, then writes nothing when nothing changed", async () => {
    const { owner, graph, number } = await meta.tenantWithWhatsApp("refresh-pages");
    const listed = graph.addTemplates(250, (i) =>
      i === 0
        ? {
            status: "REJECTED",
            rejected_reason: "INVALID_FORMAT",
            category: "MARKETING",
            quality_score: { score: "YELLOW" },
          }
        : {},
    );

    const first = await refresh(owner.tenantId);
    expect(first).toMatchObject({
      pages: 3,
      inserted: 250,
      updated: 0,
      unchanged: 0,
      deleted: 0,
      complete: true,
      status: "ok",
      error: null,
    });
    const lists = templateRequests(graph, "GET");
    expect(lists).toHaveLength(3);
    expect(lists.every((request) => !request.url.includes("access_token"))).toBe(true);
    const rows = await rowsOf(owner.tenantId);
    expect(rows.map((row) => row.metaTemplateId).sort()).toEqual(listed.map((t) => t.id).sort());
    expect(rows.find((row) => row.metaTemplateId === listed[0]?.id)).toMatchObject({
      businessAccountId: number.businessAccountId,
      status: "rejected",
      rejectedReason: "INVALID_FORMAT",
      category: "marketing",
      qualityScore: "yellow",
      parameterFormat: "positional",
      components: listed[0]?.components,
    });

    const before = await stored(owner.tenantId);
    const second = await refresh(owner.tenantId);
    expect(second).toMatchObject({ pages: 3, inserted: 0, updated: 0, unchanged: 250, deleted: 0, stamped: 0 });
    expect(await stored(owner.tenantId)).toEqual(before);
    // Prepare (1), lease (1), a statement per page, the deletions (1)…
    expect(second.statements).toBe(1 + 1 + 3 + 1 + 1);
    expect(await stateOf(owner.tenantId)).toMatchObject({ lastStatus: "ok", resumeFrom: null, leaseUntil: null });
  });

  it("updates what changed at Meta and marks what Meta no longer lists as deleted", async () => {
    const { owner, graph } = await meta.tenantWithWhatsApp("refresh-changes");
    const [approved, paused, doomed, revived] = graph.addTemplates(30);
    await refresh(owner.tenantId, { pageSize: 10 });
    const db = await getDb();
    // Deleted here earlier, listed at Meta again: alive again.
    await db
      .update(whatsappTemplates)
      .set({ status: "deleted", deletedAt: new Date() })
      .where(eq(whatsappTemplates.metaTemplateId, revived?.id ?? ""));

    graph.setTemplateStatus(approved?.id ?? "", "REJECTED", "TAG_CONTENT_MISMATCH");
    graph.setTemplateStatus(paused?.id ?? "", "PAUSED");
    graph.templates.splice(graph.templates.indexOf(doomed as never), 1);
    const [added] = graph.addTemplates(1);

    const run = await refresh(owner.tenantId, { pageSize: 10 });
    expect(run).toMatchObject({ inserted: 1, updated: 3, unchanged: 26, deleted: 1, complete: true });
    const rows = new Map((await rowsOf(owner.tenantId)).map((row) => [row.metaTemplateId, row]));
    expect(rows.get(approved?.id ?? "")).toMatchObject({ status: "rejected", rejectedReason: "TAG_CONTENT_MISMATCH" });
    expect(rows.get(paused?.id ?? "")).toMatchObject({ status: "paused" });
    expect(rows.get(doomed?.id ?? "")).toMatchObject({ status: "deleted" });
    expect(rows.get(doomed?.id ?? "")?.deletedAt).not.toBeNull();
    expect(rows.get(revived?.id ?? "")).toMatchObject({ status: "approved", deletedAt: null });
    expect(rows.get(added?.id ?? "")).toMatchObject({ status: "approved" });

    // A template made through the API during a pass is not taken for gone; nothing else changes.
    const created = await create(owner, welcome(templateName("fresh")));
    expect(created.status).toBe(201);
    graph.templates.splice(
      graph.templates.findIndex((t) => t.id === created.body.data.metaTemplateId),
      1,
    );
    const quiet = await refresh(owner.tenantId, { pageSize: 10 });
    // The API's template is gone at Meta now (removed above): the only write.
    expect(quiet).toMatchObject({ inserted: 0, updated: 0, deleted: 1 });
    expect(await refresh(owner.tenantId, { pageSize: 10 })).toMatchObject({ inserted: 0, updated: 0, deleted: 0 });
  });

  it("stops partway on a short deadline and the next run finishes the pass: no duplicates, deletions caught", async () => {
    const { owner, graph } = await meta.tenantWithWhatsApp("refresh-resume");
    graph.addTemplates(3000);
    const db = await getDb();
    const countRows = async () => {
      const [counted] = await db
        .select({ rows: count(), ids: countDistinct(whatsappTemplates.metaTemplateId) })
        .from(whatsappTemplates)
        .where(eq(whatsappTemplates.tenantId, owner.tenantId));
      return counted;
    };
    const statusOf = async (metaTemplateId: string | undefined) =>
      (await rowsOf(owner.tenantId)).find((row) => row.metaTemplateId === metaTemplateId)?.status;
    /** A run that Graph's latency cuts short: the runner starts no page within 3 s of the deadline. */
    const shortRun = async () => {
      graph.latencyMs = 40;
      const run = await refresh(owner.tenantId, { deadline: soon(3_500) });
      graph.latencyMs = 0;
      expect(run).toMatchObject({ complete: false, status: "partial", error: null });
      expect(run.pages).toBeGreaterThan(0);
      expect(run.pages).toBeLessThan(30);
      return run;
    };

    // Pass 1: the first run stops partway and says where.
    const first = await shortRun();
    expect(first.inserted).toBe(first.pages * 100);
    const state = await stateOf(owner.tenantId);
    expect(state?.resumeFrom).not.toBeNull();
    const next = (state?.lastResult as { resume?: { next: string } } | null)?.resume?.next;
    expect(next).toContain("after=");
    expect(next).not.toContain("access_token");
    // Meta deletes a template the run listed, and one it never reached.
    const listedEarly = graph.templates.splice(5, 1)[0];
    graph.templates.splice(2900, 1);

    // The next run goes on from there and finishes the pass.
    const second = await refresh(owner.tenantId);
    expect(second).toMatchObject({ complete: true, status: "ok", resume: null, deleted: 0 });
    expect(second.pages).toBe(30 - first.pages);
    // Every template still at Meta but the ones the first run listed (less the one deleted since).
    expect(second.inserted).toBe(2998 - (first.inserted - 1));
    expect(await countRows()).toEqual({ rows: 2999, ids: 2999 });
    expect(await stateOf(owner.tenantId)).toMatchObject({ resumeFrom: null, lastStatus: "ok" });

    // Pass 2, cut short too: the unchanged templates it listed are stamped as seen when it stops.
    const third = await shortRun();
    expect(third).toMatchObject({ inserted: 0, updated: 0, stamped: third.pages * 100 });
    // Meta deletes one this pass has not reached yet (stored by pass 1).
    const [notYetListed] = graph.templates.splice(2500, 1);
    const fourth = await refresh(owner.tenantId);
    // Gone: the one the last pass listed before Meta deleted it, and the one this pass never reached.
    expect(fourth).toMatchObject({ complete: true, inserted: 0, updated: 0, deleted: 2 });
    expect(await statusOf(listedEarly?.id)).toBe("deleted");
    expect(await statusOf(notYetListed?.id)).toBe("deleted");
    expect(await countRows()).toEqual({ rows: 2999, ids: 2999 });

    // Pass 3, nothing changed: nothing written.
    const fifth = await refresh(owner.tenantId);
    expect(fifth).toMatchObject({ complete: true, inserted: 0, updated: 0, deleted: 0, stamped: 0, unchanged: 2997 });
  });

  it("lists an account again from its first page when the saved page no longer works", async () => {
    const { owner, graph } = await meta.tenantWithWhatsApp("refresh-stale");
    graph.addTemplates(1000);
    graph.latencyMs = 60;
    const first = await refresh(owner.tenantId, { deadline: soon(3_300) });
    expect(first.complete).toBe(false);
    graph.latencyMs = 0;
    // Meta no longer takes the saved cursor.
    graph.failNext(1, 400, metaErrorBody(100, { message: "(#100) Invalid cursor" }), { path: "message_templates" });
    const mark = templateRequests(graph, "GET").length;
    const second = await refresh(owner.tenantId);
    expect(second).toMatchObject({ complete: true, error: null, pages: 10, inserted: 1000 - first.inserted });
    const [refused, restart] = templateRequests(graph, "GET").slice(mark);
    expect(refused?.url).toContain("after=");
    expect(restart?.url).not.toContain("after=");
    expect(await rowsOf(owner.tenantId)).toHaveLength(1000);
  });

  it("lists every account of the tenant's numbers", async () => {
    const { owner, graph } = await meta.tenantWithWhatsApp("refresh-accounts");
    const second = meta.account();
    await meta.addNumber(owner, second);
    graph.addTemplates(3);
    second.addTemplates(2);
    const run = await refresh(owner.tenantId);
    expect(run).toMatchObject({ inserted: 5, accountsCompleted: 2, complete: true });
    const rows = await rowsOf(owner.tenantId);
    expect(rows.filter((row) => row.businessAccountId === second.businessAccountId)).toHaveLength(2);
    expect(templateRequests(second, "GET")[0]?.authorization).toBe(`Bearer ${second.accessToken}`);
  });

  it("records an upstream failure, and refuses a tenant without WhatsApp before taking a lease", async () => {
    const { owner, graph } = await meta.tenantWithWhatsApp("refresh-failing");
    graph.addTemplates(3);
    graph.failNext(1, 401, undefined, { path: "message_templates" });
    const failed = await refresh(owner.tenantId);
    expect(failed).toMatchObject({ complete: false, status: "error", inserted: 0 });
    expect(failed.error).toMatch(/401/);
    expect(await stateOf(owner.tenantId)).toMatchObject({ lastStatus: "error" });
    expect(await refresh(owner.tenantId)).toMatchObject({ complete: true, inserted: 3 });

    const bare = await registerTenant("refresh-bare");
    await expect(refreshTemplates.runTenant(await getDb(), bare.tenantId, { deadline: soon() })).rejects.toMatchObject({
      code: "UNPROCESSABLE",
    });
    expect(await stateOf(bare.tenantId)).toBeUndefined();
  });

  it("runs as the hourly scheduled function", async () => {
    const { owner, graph } = await meta.tenantWithWhatsApp("refresh-scheduled");
    graph.addTemplates(4);
    expect(refreshFunction.config.schedule).toBe("@hourly");
    const res = await refreshFunction.default(
      new Request("http://localhost:8888/.netlify/functions/inbox-whatsapp-template-refresh", {
        method: "POST",
        body: JSON.stringify({ next_run: new Date().toISOString() }),
      }),
    );
    expect(res.status).toBe(200);
    const { data } = await res.json();
    expect(data.job).toBe(TEMPLATE_REFRESH_JOB);
    expect(data.result.ran).toBeGreaterThanOrEqual(1);
    expect(await rowsOf(owner.tenantId)).toHaveLength(4);
    expect(await stateOf(owner.tenantId)).toMatchObject({ lastStatus: "ok" });
  });
});
