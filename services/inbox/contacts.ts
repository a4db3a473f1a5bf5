import { and, arrayContains, eq, gte, ilike, inArray, lt, or, type SQL, sql } from "drizzle-orm";
import type { z } from "zod";
import { channels, contactIdentities, contacts, conversations } from "../../db/schema";
import { shownColumns } from "../../shared/columns";
import type { ServiceContext } from "../../shared/context";
import { conflict, conflictOn, isForeignKeyViolation, notFound } from "../../shared/errors";
import { fromJsonRows, type JsonRow, jsonObjectOf } from "../../shared/json-rows";
import { correlated, likePattern, listPage } from "../../shared/pagination";
import type {
  CONTACT_INCLUDES,
  ContactFilter,
  ContactInput,
  createCustomerBody,
  listContactsQuery,
  listCustomersQuery,
  updateCustomerBody,
} from "./contacts.schemas";

/**
 * Contacts (spec 003), also served as spec 002's customers: one person per row, with one identity
 * per channel that knows them. Reads are one statement: a contact's identities and recent
 * conversations come as JSON arrays from subqueries of its own select.
 */

type Database = ServiceContext["db"];
type Include = (typeof CONTACT_INCLUDES)[number];

const contactColumns = shownColumns(contacts);

const identityColumns = {
  id: contactIdentities.id,
  channelId: contactIdentities.channelId,
  platformCustomerId: contactIdentities.platformCustomerId,
  createdAt: contactIdentities.createdAt,
};
type Identity = JsonRow<typeof identityColumns>;

const recentConversationColumns = {
  id: conversations.id,
  channelType: conversations.channelType,
  channelId: conversations.channelId,
  subject: conversations.subject,
  status: conversations.status,
  assigneeId: conversations.assigneeId,
  tags: conversations.tags,
  lastMessageAt: conversations.lastMessageAt,
  unreadCount: conversations.unreadCount,
  updatedAt: conversations.updatedAt,
};
const RECENT_CONVERSATIONS = 10;

/** The related rows `include` can add, each a subquery of the contact's select. */
const related = {
  identities: correlated(sql`coalesce((
    select json_agg(${jsonObjectOf(identityColumns)} order by ${contactIdentities.createdAt}, ${contactIdentities.id})
    from ${contactIdentities}
    where ${contactIdentities.tenantId} = ${contacts.tenantId} and ${contactIdentities.contactId} = ${contacts.id}
  ), '[]'::json)`).as("identities"),
  conversations: correlated(sql`coalesce((
    select json_agg(recent.item) from (
      select ${jsonObjectOf(recentConversationColumns)} as item from ${conversations}
      where ${conversations.tenantId} = ${contacts.tenantId} and ${conversations.contactId} = ${contacts.id}
      order by ${conversations.updatedAt} desc, ${conversations.id} desc
      limit ${sql.raw(String(RECENT_CONVERSATIONS))}
    ) recent
  ), '[]'::json)`).as("conversations"),
};

function selection(include: readonly Include[] = []) {
  return {
    ...contactColumns,
    ...(include.includes("identities") ? { identities: related.identities } : {}),
    ...(include.includes("conversations") ? { conversations: related.conversations } : {}),
  };
}

type ContactRow = typeof contacts.$inferSelect;
export type Contact = Omit<ContactRow, "tenantId"> & {
  identities?: Identity[];
  conversations?: JsonRow<typeof recentConversationColumns>[];
};

function decoded(row: Omit<ContactRow, "tenantId"> & { identities?: unknown; conversations?: unknown }): Contact {
  const { identities, conversations: recent, ...contact } = row;
  return {
    ...contact,
    ...(identities === undefined ? {} : { identities: fromJsonRows(identityColumns, identities) }),
    ...(recent === undefined ? {} : { conversations: fromJsonRows(recentConversationColumns, recent) }),
  };
}

/** The list's and the export's filter, always within the tenant. */
export function contactsWhere(tenantId: string, filter: ContactFilter): SQL {
  const search = filter.search;
  return and(
    eq(contacts.tenantId, tenantId),
    search
      ? or(
          ilike(contacts.name, likePattern(search)),
          ilike(contacts.email, likePattern(search)),
          // A phone number is stored without the spaces and dashes people type in it.
          ilike(contacts.phoneNumber, likePattern(search.replace(/[\s\-().]/g, "") || search)),
        )
      : undefined,
    filter.tag ? arrayContains(contacts.tags, [filter.tag]) : undefined,
    filter.channelId
      ? sql`exists (select 1 from ${contactIdentities} where ${contactIdentities.tenantId} = ${contacts.tenantId}
          and ${contactIdentities.contactId} = ${contacts.id} and ${contactIdentities.channelId} = ${filter.channelId})`
      : undefined,
    filter.createdAfter ? gte(contacts.createdAt, filter.createdAfter) : undefined,
    filter.createdBefore ? lt(contacts.createdAt, filter.createdBefore) : undefined,
  )!;
}

/** Newest first; one page, its total and (include=identities) each contact's identities in one statement. */
export async function listContacts(ctx: ServiceContext, query: z.infer<typeof listContactsQuery>) {
  const page = await listPage(ctx.db, {
    table: contacts,
    columns: selection(query.include),
    where: contactsWhere(ctx.caller.tenantId, query),
    sort: { by: [contacts.createdAt, contacts.id], direction: "desc" },
    page: query,
  });
  return { ...page, items: page.items.map(decoded) };
}

async function readContact(db: Database, tenantId: string, id: string, include?: readonly Include[]) {
  const [row] = await db
    .select(selection(include))
    .from(contacts)
    .where(and(eq(contacts.tenantId, tenantId), eq(contacts.id, id)));
  if (!row) throw missing();
  return decoded(row);
}

/** One statement, with the related rows `include` names. */
export const getContact = (ctx: ServiceContext, id: string, include?: readonly Include[]) =>
  readContact(ctx.db, ctx.caller.tenantId, id, include);

const missing = () => notFound("Contact");

/** The 409 of each value a contact holds that no other contact of the tenant may. */
const TAKEN = {
  contacts_tenantId_phoneNumber_unique: "Another contact of the tenant has this phone number",
  contacts_tenant_email_key: "Another contact of the tenant has this email",
};

/**
 * The channels of the identities a write names, resolved in the caller's tenant in one statement
 * before anything is written: another tenant's channel is a 404, as an unknown one. Checked first
 * because the identities' unique key (channel_id, platform_customer_id) has no tenant: the upsert
 * would meet another tenant's identity there (a 409 that tells their channel exists) before the
 * composite foreign key refused the channel.
 */
async function resolveChannels(db: Database, tenantId: string, identities: ContactInput["identities"]) {
  const channelIds = [...new Set((identities ?? []).map((identity) => identity.channelId))];
  if (channelIds.length === 0) return;
  const found = await db
    .select({ id: channels.id })
    .from(channels)
    .where(and(eq(channels.tenantId, tenantId), inArray(channels.id, channelIds)));
  if (found.length < channelIds.length) throw notFound("Channel");
}

/**
 * Makes `identities` the contact's set: others of the contact are removed (when `replace`), new ones
 * added, those it has kept. Their channels are the tenant's (resolveChannels, earlier in the
 * transaction); one deleted since fails the composite foreign key (404). An identity of another
 * contact of the tenant is not claimed by the upsert's WHERE (409).
 */
async function setIdentities(
  db: Database,
  tenantId: string,
  contactId: string,
  identities: NonNullable<ContactInput["identities"]>,
  replace: boolean,
) {
  const wanted = [...new Map(identities.map((i) => [`${i.channelId} ${i.platformCustomerId}`, i])).values()];
  if (replace) {
    const keys = sql.join(
      wanted.map((i) => sql`(${i.channelId}::uuid, ${i.platformCustomerId})`),
      sql`, `,
    );
    await db
      .delete(contactIdentities)
      .where(
        and(
          eq(contactIdentities.tenantId, tenantId),
          eq(contactIdentities.contactId, contactId),
          wanted.length > 0
            ? sql`(${contactIdentities.channelId}, ${contactIdentities.platformCustomerId}) not in (${keys})`
            : undefined,
        ),
      );
  }
  if (wanted.length === 0) return;
  let kept: unknown[];
  try {
    kept = await db
      .insert(contactIdentities)
      .values(wanted.map((i) => ({ ...i, tenantId, contactId })))
      .onConflictDoUpdate({
        target: [contactIdentities.channelId, contactIdentities.platformCustomerId],
        set: { contactId: sql`${contactIdentities.contactId}` },
        setWhere: sql`${contactIdentities.contactId} = excluded.contact_id`,
      })
      .returning({ id: contactIdentities.id });
  } catch (error) {
    if (isForeignKeyViolation(error)) throw notFound("Channel");
    throw error;
  }
  if (kept.length < wanted.length) {
    throw conflict("Another contact already has this platformCustomerId on this channel");
  }
}

/** The contact and its identities in one transaction (their channels resolved first); answered with its identities. */
export async function createContact(ctx: ServiceContext, input: ContactInput) {
  const { tenantId } = ctx.caller;
  const { identities = [], ...fields } = input;
  return conflictOn(
    ctx.db.transaction(async (tx) => {
      await resolveChannels(tx, tenantId, identities);
      const [row] = await tx
        .insert(contacts)
        .values({ ...fields, tenantId })
        .returning({ id: contacts.id });
      if (!row) throw new Error("contact insert returned no row");
      await setIdentities(tx, tenantId, row.id, identities, false);
      return readContact(tx, tenantId, row.id, ["identities"]);
    }),
    TAKEN,
  );
}

/** Fields left out are kept; `identities`, when given, becomes the whole set. One transaction. */
export async function updateContact(ctx: ServiceContext, id: string, input: ContactInput) {
  const { tenantId } = ctx.caller;
  const { identities, ...fields } = input;
  return conflictOn(
    ctx.db.transaction(async (tx) => {
      await resolveChannels(tx, tenantId, identities);
      const [row] = await tx
        .update(contacts)
        .set({ ...fields, updatedAt: sql`now()` })
        .where(and(eq(contacts.tenantId, tenantId), eq(contacts.id, id)))
        .returning({ id: contacts.id });
      if (!row) throw missing();
      if (identities) await setIdentities(tx, tenantId, id, identities, true);
      return readContact(tx, tenantId, id, ["identities"]);
    }),
    TAKEN,
  );
}

/**
 * Deletes the person with their identities and conversations (an erasure request removes their
 * history too). A contact with orders is kept (409): orders are the business's records.
 */
export async function deleteContact(ctx: ServiceContext, id: string): Promise<void> {
  try {
    const deleted = await ctx.db
      .delete(contacts)
      .where(and(eq(contacts.tenantId, ctx.caller.tenantId), eq(contacts.id, id)))
      .returning({ id: contacts.id });
    if (deleted.length === 0) throw missing();
  } catch (error) {
    if (isForeignKeyViolation(error)) throw conflict("The contact has orders, which keep it");
    throw error;
  }
}

// Spec 002's customers: the same rows and statements, in spec 002's shape.

function customerOf(contact: Contact) {
  const [first] = contact.identities ?? [];
  return {
    id: contact.id,
    channelId: first?.channelId ?? null,
    platformCustomerId: first?.platformCustomerId ?? null,
    fullName: contact.name,
    email: contact.email,
    phone: contact.phoneNumber,
    avatarUrl: contact.avatarUrl,
    firstSeenAt: contact.firstSeenAt,
    lastSeenAt: contact.lastSeenAt,
    metadata: contact.metadata,
  };
}

/** A customer's body as a contact's: its channel and platform id become the contact's one identity. */
function contactInputOf(body: z.infer<typeof updateCustomerBody>): ContactInput {
  const { channelId, platformCustomerId, fullName, phone, ...rest } = body;
  return {
    ...rest,
    name: fullName,
    phoneNumber: phone,
    identities: channelId && platformCustomerId ? [{ channelId, platformCustomerId }] : undefined,
  };
}

export async function listCustomers(ctx: ServiceContext, query: z.infer<typeof listCustomersQuery>) {
  const page = await listContacts(ctx, { ...query, include: ["identities"] });
  return { ...page, items: page.items.map(customerOf) };
}

export const getCustomer = async (ctx: ServiceContext, id: string) =>
  customerOf(await getContact(ctx, id, ["identities"]));

export const createCustomer = async (ctx: ServiceContext, body: z.infer<typeof createCustomerBody>) =>
  customerOf(await createContact(ctx, contactInputOf(body)));

export const updateCustomer = async (ctx: ServiceContext, id: string, body: z.infer<typeof updateCustomerBody>) =>
  customerOf(await updateContact(ctx, id, contactInputOf(body)));
