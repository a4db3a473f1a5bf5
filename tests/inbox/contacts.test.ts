import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "../../db/client";
import { channels, contactIdentities, contacts, conversations, orders } from "../../db/schema";
import * as contactsFn from "../../netlify/functions/inbox-contacts";
import * as contactFn from "../../netlify/functions/inbox-contacts-id";
import * as customersFn from "../../netlify/functions/inbox-customers";
import * as customerFn from "../../netlify/functions/inbox-customers-id";
import { type Account, addMember, createApiKey, registerTenant } from "../../scripts/dev/fixtures";
import { call } from "../../scripts/dev/http";

type Contact = {
  id: string;
  phoneNumber: string | null;
  identities?: { channelId: string; platformCustomerId: string }[];
};

async function newChannel(account: Account, type: "whatsapp" | "instagram" = "whatsapp") {
  const db = await getDb();
  const [row] = await db
    .insert(channels)
    .values({ tenantId: account.tenantId, type, name: `${type} channel`, platformSpecificId: crypto.randomUUID() })
    .returning({ id: channels.id });
  return row!.id;
}

async function newContact(account: Account, body: Record<string, unknown>) {
  const res = await call(contactsFn, { method: "POST", token: account.accessToken, body });
  expect(res.status, res.text).toBe(201);
  return res.body.data as Contact;
}

const contactPath = (id: string) => `/api/contacts/${id}`;
const ids = (res: { body: { data: { id: string }[] } }) => res.body.data.map((row) => row.id);

describe("POST /api/contacts", () => {
  it("creates a contact with a normalised phone, tags once each and its identities", async () => {
    const owner = await registerTenant("contact-create");
    const channelId = await newChannel(owner);
    const res = await call(contactsFn, {
      method: "POST",
      token: owner.accessToken,
      body: {
        phone: "+1 (555) 010-2000",
        fullName: "Maria Garcia",
        email: "Maria@Example.test",
        avatarUrl: "https://cdn.example.test/maria.png",
        tags: ["vip", "vip", "b2b"],
        metadata: { source: "import" },
        identities: [{ channelId, platformCustomerId: "wa-15550102000" }],
      },
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body.data).toMatchObject({
      phoneNumber: "+15550102000",
      name: "Maria Garcia",
      email: "maria@example.test",
      tags: ["vip", "b2b"],
      metadata: { source: "import" },
      identities: [{ channelId, platformCustomerId: "wa-15550102000", createdAt: expect.any(String) }],
    });
    expect(res.body.data).not.toHaveProperty("tenantId");
  });

  it("answers 409 for a phone number, an email (any case) or an identity another contact has, writing nothing", async () => {
    const owner = await registerTenant("contact-409");
    const channelId = await newChannel(owner);
    await newContact(owner, {
      phoneNumber: "+15550103000",
      email: "taken@example.test",
      identities: [{ channelId, platformCustomerId: "taken" }],
    });
    for (const [body, message] of [
      [{ phoneNumber: "+1 555 010 3000" }, /phone number/],
      [{ email: "TAKEN@example.test" }, /email/],
      [{ phoneNumber: "+15550103001", identities: [{ channelId, platformCustomerId: "taken" }] }, /platformCustomerId/],
    ] as const) {
      const res = await call(contactsFn, { method: "POST", token: owner.accessToken, body });
      expect(res.status, JSON.stringify(body)).toBe(409);
      expect(res.body.error.message).toMatch(message);
    }
    const db = await getDb();
    expect(await db.$count(contacts, eq(contacts.tenantId, owner.tenantId))).toBe(1);
    expect(await db.$count(contactIdentities, eq(contactIdentities.tenantId, owner.tenantId))).toBe(1);

    // Another tenant may have the same phone number and email.
    await newContact(await registerTenant("contact-409-other"), {
      phoneNumber: "+15550103000",
      email: "taken@example.test",
    });
  });

  it("answers 404 for an identity on another tenant's channel, writing nothing", async () => {
    const owner = await registerTenant("contact-channel-404");
    const other = await registerTenant("contact-channel-404-other");
    const theirChannel = await newChannel(other);
    const res = await call(contactsFn, {
      method: "POST",
      token: owner.accessToken,
      body: { phoneNumber: "+15550104000", identities: [{ channelId: theirChannel, platformCustomerId: "x" }] },
    });
    expect(res.status).toBe(404);
    expect(res.body.error.message).toContain("Channel");
    const db = await getDb();
    expect(await db.$count(contacts, eq(contacts.tenantId, owner.tenantId))).toBe(0);
  });

  it("answers 404, not 409, for another tenant's channel with an identity that tenant has, writing nothing", async () => {
    const owner = await registerTenant("contact-identity-404");
    const other = await registerTenant("contact-identity-404-other");
    const theirChannel = await newChannel(other);
    const theirs = await newContact(other, {
      phoneNumber: "+15550104100",
      identities: [{ channelId: theirChannel, platformCustomerId: "x" }],
    });
    const mine = await newContact(owner, { phoneNumber: "+15550104101" });
    const identity = { channelId: theirChannel, platformCustomerId: "x" };
    for (const [fn, method, path, body] of [
      [contactsFn, "POST", undefined, { phoneNumber: "+15550104102", identities: [identity] }],
      [contactFn, "PATCH", contactPath(mine.id), { name: "Changed", identities: [identity] }],
      [contactFn, "PUT", contactPath(mine.id), { identities: [identity] }],
      [customersFn, "POST", undefined, { ...identity, fullName: "Mallory", phone: "+15550104103" }],
      [customerFn, "PATCH", `/api/customers/${mine.id}`, { ...identity, fullName: "Changed" }],
    ] as const) {
      const res = await call(fn, { method, path, token: owner.accessToken, body });
      expect(res.status, `${method} ${path ?? ""}: ${res.text}`).toBe(404);
      expect(res.body.error.message).toBe("Channel not found");
    }
    const db = await getDb();
    expect(await db.select().from(contacts).where(eq(contacts.tenantId, owner.tenantId))).toMatchObject([
      { id: mine.id, phoneNumber: "+15550104101", name: null },
    ]);
    expect(await db.$count(contactIdentities, eq(contactIdentities.tenantId, owner.tenantId))).toBe(0);
    const kept = await db.select().from(contactIdentities).where(eq(contactIdentities.channelId, theirChannel));
    expect(kept).toMatchObject([{ tenantId: other.tenantId, contactId: theirs.id, platformCustomerId: "x" }]);
  });

  it("refuses invalid bodies", async () => {
    const owner = await registerTenant("contact-400");
    for (const body of [
      {},
      { name: "Only a name" },
      { phoneNumber: "5550105000" },
      { phoneNumber: "+0123456789" },
      { phoneNumber: "+1555" },
      { email: "not-an-email" },
      { email: "a@example.test", avatarUrl: "javascript:alert(1)" },
      { email: "a@example.test", tags: ["x".repeat(51)] },
      { email: "a@example.test", identities: [{ channelId: "not-a-uuid", platformCustomerId: "x" }] },
      { email: "a@example.test", tenantId: owner.tenantId },
    ]) {
      const res = await call(contactsFn, { method: "POST", token: owner.accessToken, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
  });
});

describe("GET /api/contacts", () => {
  it("lists newest first in one statement, with filters and page numbers", async () => {
    const owner = await registerTenant("contact-list");
    const other = await registerTenant("contact-list-other");
    const whatsapp = await newChannel(owner);
    const maria = await newContact(owner, {
      phoneNumber: "+15550106001",
      name: "Maria Garcia",
      tags: ["vip"],
      identities: [{ channelId: whatsapp, platformCustomerId: "maria" }],
    });
    const james = await newContact(owner, { phoneNumber: "+15550106002", name: "James", email: "james@corp.test" });
    const percent = await newContact(owner, { email: "percent@example.test", name: "100% real" });
    await newContact(other, { phoneNumber: "+15550106001", name: "Maria of another tenant" });

    const all = await call(contactsFn, { token: owner.accessToken });
    expect(all.status).toBe(200);
    expect(all.statements).toBe(1);
    expect(ids(all)).toEqual([percent.id, james.id, maria.id]);
    expect(all.text).not.toContain("another tenant");
    expect(all.body.data[0]).not.toHaveProperty("identities");

    const list = async (query: Record<string, string | number>) => {
      const res = await call(contactsFn, { token: owner.accessToken, query });
      expect(res.status, res.text).toBe(200);
      expect(res.statements).toBe(1);
      return res;
    };
    expect(ids(await list({ search: "garc" }))).toEqual([maria.id]);
    expect(ids(await list({ search: "555 0106 002" }))).toEqual([james.id]);
    expect(ids(await list({ search: "CORP.test" }))).toEqual([james.id]);
    expect(ids(await list({ search: "100%" }))).toEqual([percent.id]);
    expect(ids(await list({ search: "%" }))).toEqual([percent.id]);
    expect(ids(await list({ tag: "vip" }))).toEqual([maria.id]);
    expect(ids(await list({ channelId: whatsapp }))).toEqual([maria.id]);
    expect(ids(await list({ createdAfter: "2999-01-01" }))).toEqual([]);
    expect(ids(await list({ createdBefore: "2999-01-01", limit: 1, page: 3 }))).toEqual([maria.id]);

    const withIdentities = await list({ include: "identities", channelId: whatsapp });
    expect(withIdentities.body.data[0].identities).toEqual([
      { id: expect.any(String), channelId: whatsapp, platformCustomerId: "maria", createdAt: expect.any(String) },
    ]);
    const paged = await list({ limit: 2 });
    expect(paged.body.pagination).toMatchObject({ total: 3, totalPages: 2, hasMore: true });
    const next = await list({ limit: 2, cursor: paged.body.pagination.nextCursor });
    expect(ids(next)).toEqual([maria.id]);
  });

  it("refuses unknown filters and includes", async () => {
    const owner = await registerTenant("contact-list-400");
    for (const query of [{ include: "orders" }, { channelId: "x" }, { createdAfter: "yesterday" }, { sort: "name" }]) {
      expect((await call(contactsFn, { token: owner.accessToken, query })).status, JSON.stringify(query)).toBe(400);
    }
  });
});

describe("GET /api/contacts/:id", () => {
  it("adds identities and the recent conversations in one statement; another tenant's is a 404", async () => {
    const owner = await registerTenant("contact-get");
    const other = await registerTenant("contact-get-other");
    const whatsapp = await newChannel(owner);
    const instagram = await newChannel(owner, "instagram");
    const person = await newContact(owner, {
      phoneNumber: "+15550107000",
      identities: [
        { channelId: whatsapp, platformCustomerId: "wa-1" },
        { channelId: instagram, platformCustomerId: "ig-1" },
      ],
    });
    const db = await getDb();
    const started = Date.now();
    await db.insert(conversations).values(
      Array.from({ length: 12 }, (_, i) => ({
        tenantId: owner.tenantId,
        channelType: "whatsapp" as const,
        channelId: whatsapp,
        contactId: person.id,
        subject: `Conversation ${i}`,
        updatedAt: new Date(started - i * 60_000),
      })),
    );

    const plain = await call(contactFn, { path: contactPath(person.id), token: owner.accessToken });
    expect(plain.status).toBe(200);
    expect(plain.statements).toBe(1);
    expect(plain.body.data).not.toHaveProperty("conversations");

    const res = await call(contactFn, {
      path: contactPath(person.id),
      token: owner.accessToken,
      query: { include: "identities,conversations" },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.statements).toBe(1);
    expect(res.body.data.identities.map((i: { platformCustomerId: string }) => i.platformCustomerId).sort()).toEqual([
      "ig-1",
      "wa-1",
    ]);
    const recent = res.body.data.conversations as { subject: string; updatedAt: string; status: string }[];
    expect(recent.map((c) => c.subject)).toEqual(Array.from({ length: 10 }, (_, i) => `Conversation ${i}`));
    expect(recent[0]).toMatchObject({ status: "open", channelType: "whatsapp", unreadCount: 0, tags: [] });
    expect(recent[0]?.updatedAt).toBe(new Date(started).toISOString());

    const theirs = await call(contactFn, { path: contactPath(person.id), token: other.accessToken });
    expect(theirs.status).toBe(404);
    expect((await call(contactFn, { path: "/api/contacts/not-a-uuid", token: owner.accessToken })).status).toBe(400);
  });
});

describe("PUT/PATCH/DELETE /api/contacts/:id", () => {
  it("changes what is given, clears nulls, and replaces the identities when given", async () => {
    const owner = await registerTenant("contact-patch");
    const whatsapp = await newChannel(owner);
    const instagram = await newChannel(owner, "instagram");
    const person = await newContact(owner, {
      phoneNumber: "+15550108000",
      name: "Before",
      email: "before@example.test",
      tags: ["a"],
      identities: [{ channelId: whatsapp, platformCustomerId: "wa" }],
    });
    const patch = (body: Record<string, unknown>, method = "PATCH") =>
      call(contactFn, { method, path: contactPath(person.id), token: owner.accessToken, body });

    const renamed = await patch({ name: "After", email: null });
    expect(renamed.status, renamed.text).toBe(200);
    expect(renamed.body.data).toMatchObject({ name: "After", email: null, tags: ["a"], phoneNumber: "+15550108000" });
    expect(renamed.body.data.identities).toHaveLength(1);

    const moved = await patch(
      {
        identities: [
          { channelId: whatsapp, platformCustomerId: "wa" },
          { channelId: instagram, platformCustomerId: "ig" },
        ],
      },
      "PUT",
    );
    expect(moved.body.data.identities.map((i: { platformCustomerId: string }) => i.platformCustomerId)).toEqual([
      "wa",
      "ig",
    ]);
    const db = await getDb();
    const kept = await db.select().from(contactIdentities).where(eq(contactIdentities.contactId, person.id));
    expect(kept).toHaveLength(2);
    expect((await patch({ identities: [] })).body.data.identities).toEqual([]);
  });

  it("answers 409 for another contact's phone number, and 404 for another tenant's contact", async () => {
    const owner = await registerTenant("contact-patch-409");
    const other = await registerTenant("contact-patch-409-other");
    await newContact(owner, { phoneNumber: "+15550109001" });
    const person = await newContact(owner, { phoneNumber: "+15550109002" });
    const taken = await call(contactFn, {
      method: "PATCH",
      path: contactPath(person.id),
      token: owner.accessToken,
      body: { phoneNumber: "+15550109001" },
    });
    expect(taken.status).toBe(409);
    const theirs = await call(contactFn, {
      method: "PATCH",
      path: contactPath(person.id),
      token: other.accessToken,
      body: { name: "Hijacked" },
    });
    expect(theirs.status).toBe(404);
    const db = await getDb();
    const [stored] = await db.select().from(contacts).where(eq(contacts.id, person.id));
    expect(stored).toMatchObject({ phoneNumber: "+15550109002", name: null });
  });

  it("deletes a contact with its conversations; one with orders is kept (409)", async () => {
    const owner = await registerTenant("contact-delete");
    const whatsapp = await newChannel(owner);
    const talker = await newContact(owner, { phoneNumber: "+15550110001" });
    const buyer = await newContact(owner, { phoneNumber: "+15550110002" });
    const db = await getDb();
    await db
      .insert(conversations)
      .values({ tenantId: owner.tenantId, channelType: "whatsapp", channelId: whatsapp, contactId: talker.id });
    await db
      .insert(orders)
      .values({ tenantId: owner.tenantId, customerId: buyer.id, totalAmount: "10.00", currency: "USD" });

    const other = await registerTenant("contact-delete-other");
    expect(
      (await call(contactFn, { method: "DELETE", path: contactPath(talker.id), token: other.accessToken })).status,
    ).toBe(404);
    const res = await call(contactFn, { method: "DELETE", path: contactPath(talker.id), token: owner.accessToken });
    expect(res.status).toBe(204);
    expect(await db.$count(conversations, eq(conversations.contactId, talker.id))).toBe(0);
    const refused = await call(contactFn, { method: "DELETE", path: contactPath(buyer.id), token: owner.accessToken });
    expect(refused.status).toBe(409);
    expect(await db.$count(contacts, eq(contacts.id, buyer.id))).toBe(1);
  });
});

describe("DELETE /api/contacts/:id and /api/customers/:id", () => {
  it("is for owners and admins only, as deleting a conversation is: it deletes the contact's conversations", async () => {
    const owner = await registerTenant("contact-delete-roles");
    const admin = await addMember(owner, "admin");
    const person = await newContact(owner, { phoneNumber: "+15550110101" });
    const db = await getDb();
    for (const role of ["agent", "sales_rep", "sales_manager", "operations"] as const) {
      const member = await addMember(owner, role);
      for (const [fn, path] of [
        [contactFn, contactPath(person.id)],
        [customerFn, `/api/customers/${person.id}`],
      ] as const) {
        const res = await call(fn, { method: "DELETE", path, token: member.accessToken });
        expect(res.status, `${role} ${path}`).toBe(403);
      }
    }
    expect(await db.$count(contacts, eq(contacts.id, person.id))).toBe(1);
    const deleted = await call(customerFn, {
      method: "DELETE",
      path: `/api/customers/${person.id}`,
      token: admin.accessToken,
    });
    expect(deleted.status).toBe(204);
    expect(await db.$count(contacts, eq(contacts.id, person.id))).toBe(0);
  });
});

describe("/api/customers (spec 002)", () => {
  it("serves the contacts in spec 002's shape and takes its field names", async () => {
    const owner = await registerTenant("customer-shape");
    const whatsapp = await newChannel(owner);
    const instagram = await newChannel(owner, "instagram");
    const created = await call(customersFn, {
      method: "POST",
      token: owner.accessToken,
      body: {
        channelId: whatsapp,
        platformCustomerId: "wa-42",
        fullName: "Ana Lopez",
        phone: "+15550111000",
        email: "ana@example.test",
        metadata: { locale: "es" },
      },
    });
    expect(created.status, created.text).toBe(201);
    const customer = created.body.data;
    expect(customer).toEqual({
      id: expect.any(String),
      channelId: whatsapp,
      platformCustomerId: "wa-42",
      fullName: "Ana Lopez",
      email: "ana@example.test",
      phone: "+15550111000",
      avatarUrl: null,
      firstSeenAt: expect.any(String),
      lastSeenAt: expect.any(String),
      metadata: { locale: "es" },
    });

    const list = await call(customersFn, { token: owner.accessToken, query: { search: "lopez" } });
    expect(list.statements).toBe(1);
    expect(list.body.data).toEqual([customer]);
    const asContact = await call(contactFn, { path: contactPath(customer.id), token: owner.accessToken });
    expect(asContact.body.data).toMatchObject({ name: "Ana Lopez", phoneNumber: "+15550111000" });

    const path = `/api/customers/${customer.id}`;
    const read = await call(customerFn, { path, token: owner.accessToken });
    expect(read.statements).toBe(1);
    expect(read.body.data).toEqual(customer);

    const moved = await call(customerFn, {
      method: "PUT",
      path,
      token: owner.accessToken,
      body: { channelId: instagram, platformCustomerId: "ig-42", fullName: "Ana L." },
    });
    expect(moved.status, moved.text).toBe(200);
    expect(moved.body.data).toMatchObject({ channelId: instagram, platformCustomerId: "ig-42", fullName: "Ana L." });

    const half = await call(customerFn, {
      method: "PATCH",
      path,
      token: owner.accessToken,
      body: { channelId: whatsapp },
    });
    expect(half.status).toBe(400);
    const noChannel = await call(customersFn, {
      method: "POST",
      token: owner.accessToken,
      body: { fullName: "No channel", phone: "+15550111001" },
    });
    expect(noChannel.status).toBe(400);

    const other = await registerTenant("customer-shape-other");
    expect((await call(customerFn, { path, token: other.accessToken })).status).toBe(404);
    const intoTheirs = await call(customersFn, {
      method: "POST",
      token: other.accessToken,
      body: { channelId: whatsapp, platformCustomerId: "wa-43", fullName: "Mallory" },
    });
    expect(intoTheirs.status).toBe(404);

    expect((await call(customerFn, { method: "DELETE", path, token: owner.accessToken })).status).toBe(204);
    expect((await call(customerFn, { path, token: owner.accessToken })).status).toBe(404);
  });

  it("lets an ai-agent key add a customer but not delete one", async () => {
    const owner = await registerTenant("customer-key");
    const whatsapp = await newChannel(owner);
    const { key } = await createApiKey(owner, ["ai-agent"]);
    const created = await call(customersFn, {
      method: "POST",
      apiKey: key,
      body: { channelId: whatsapp, platformCustomerId: "wa-ai" },
    });
    expect(created.status).toBe(201);
    const path = `/api/customers/${created.body.data.id}`;
    expect((await call(customerFn, { method: "DELETE", path, apiKey: key })).status).toBe(403);
  });
});
