import {
  type AppointmentStatus,
  type EntityType,
  type HandoffPriority,
  type PROPERTY_STATUSES,
  type PropertyType,
  type ProspectStatus,
  SALES_CHANNELS,
  type SalesChannel,
} from "../../db/schema";

/**
 * Spec 001's `generateHandoffFromAppointment()`: the hand-off package of an appointment, from the
 * data gathered for it (services/sales/handoffs.ts reads it in one statement). Pure: no I/O, no
 * clock, no randomness, so the same data always gives the same package, deep-equal. The package's
 * time to live is set by the caller (`expires_at` = creation time + TTL).
 *
 * The rules, which the route's description repeats (HANDOFF_RULES):
 */
export const HANDOFF_RULES = `
| Field | Rule |
|---|---|
| qualificationScore | The prospect's latest AI score (qualification_scores), \`source: "ai"\`. With none, derived from the data, \`source: "derived"\`: budget 100 if a budget is known else 0; timeline 100 if a timeline is known else 0; intent by the appointment's status (completed 100, scheduled 80, rescheduled 60, no_show 20); engagement 100 when the conversation's outcome is qualified or appointment_booked or it suggested a hand-off, 50 for another conversation, 0 with none; overall = the rounded mean of the four. |
| priority | From overall: 70 and above high, 40 to 69 medium, below 40 low. |
| reason | By the appointment's status: scheduled "Viewing of P booked for T"; rescheduled "Viewing of P rescheduled to T"; completed "Viewed P on T: ready for a rep to follow up"; no_show "Missed the viewing of P on T" (P the property's name and city, T the time in UTC). |
| summary | The conversation's summary; without one, "Name (prospect status): needs. reason." |
| detectedNeeds | "Budget: …", "City: …", "Property type: …", "Bedrooms: …", "Timeline: …" in that order, each the prospect's own field or else the latest detected entity of that type; then the latest "other" entity. |
| suggestedProperties | Up to 3 available listings in the prospect's city (else the viewed property's), any case, priced from at most the prospect's budget when there is one, the viewed property excluded; ranked: the wanted type first (the prospect's preferred type, else the viewed property's), then bedrooms closest to the wanted number (the prospect's, else the viewed property's), then price_min closest to the budget (else to the viewed property's price_min; with neither, lowest first), then id. |
| conversationContext | None without a conversation. Else its channel, outcome and sentiment, its summary, and its last 5 text messages ("sender: text", oldest first, each at most 500 characters); with no message, the last 2,000 characters of its transcript. |
| nextSteps | By the appointment's status: scheduled: confirm the viewing, prepare the listing; rescheduled: confirm the new time, prepare the listing; completed: call for feedback, share the suggestions, discuss an offer and financing; no_show: contact to rebook, offer the suggestions. Then "Ask for the budget" and "Ask about the buying timeline" when either is unknown. |
| sourceChannel | The appointment's source channel, else the conversation's channel when it is a sales channel (phone, whatsapp, sms, email), else none. |
| suggestedFollowUpChannel | The prospect's preferred channel, else the appointment's source channel, else the conversation's sales channel, else phone. |
`.trim();

/** A listing as the generator sees it: the suggestion's fields and whether it is for sale. */
export interface Listing {
  id: string;
  name: string;
  city: string;
  type: PropertyType;
  bedrooms: number;
  /** numeric(14,2) as Postgres writes it ("1250000.00"), never a float. */
  priceMin: string;
  priceMax: string | null;
  currency: string;
  status: (typeof PROPERTY_STATUSES)[number];
}

/** The listing's fields a package keeps (the snapshot in handoff_packages.suggested_properties). */
const SNAPSHOT_FIELDS = [
  "id",
  "name",
  "city",
  "type",
  "bedrooms",
  "priceMin",
  "priceMax",
  "currency",
] as const satisfies readonly (keyof Listing)[];

/** What the package keeps of a suggested listing. */
export type SuggestedProperty = Pick<Listing, (typeof SNAPSHOT_FIELDS)[number]>;

export interface ConversationFacts {
  id: string;
  /** The inbox conversation's channel type (phone, whatsapp, webchat...). */
  channel: string;
  outcome: string | null;
  sentiment: string | null;
  summary: string | null;
  /** The end of the transcript (the caller keeps the last TRANSCRIPT_TAIL characters). */
  transcript: string | null;
  handoffSuggested: boolean;
  /** The last LAST_MESSAGES text messages, oldest first, each cut to MESSAGE_CHARS. */
  lastMessages: { sender: string; text: string }[];
}

export interface AiScore {
  overall: number;
  budget: number | null;
  timeline: number | null;
  intent: number | null;
  engagement: number | null;
  notes: string | null;
  /** ISO 8601. */
  scoredAt: string;
}

interface ProspectFacts {
  id: string;
  name: string;
  email: string | null;
  phone: string | null;
  whatsapp: string | null;
  status: ProspectStatus;
  budget: string | null;
  city: string | null;
  timeline: string | null;
  preferredPropertyType: PropertyType | null;
  bedrooms: number | null;
  preferredChannel: SalesChannel | null;
}

/** Everything a package is made from. */
export interface HandoffSource {
  appointment: {
    id: string;
    status: AppointmentStatus;
    /** ISO 8601. */
    scheduledAt: string;
    sourceChannel: SalesChannel | null;
  };
  /** The property the appointment is a viewing of, if any. */
  property: Listing | null;
  prospect: ProspectFacts;
  /** The appointment's conversation, else the prospect's latest sales conversation; none for a prospect never spoken to. */
  conversation: ConversationFacts | null;
  /** The latest detected entity of each type. */
  entities: { type: EntityType; value: string }[];
  aiScore: AiScore | null;
  /** Listings that may be suggested: the rules below pick and rank them, whatever else is passed. */
  listings: Listing[];
}

export type QualificationScore = {
  overall: number;
  budget: number | null;
  timeline: number | null;
  intent: number | null;
  engagement: number | null;
  notes: string | null;
  source: "ai" | "derived" | "manual";
  scoredAt: string | null;
};

/** The package's content: everything but its status, its claim and its times. */
export interface HandoffContent {
  prospectId: string;
  appointmentId: string;
  conversationId: string | null;
  prospectName: string;
  prospectPhone: string | null;
  prospectEmail: string | null;
  prospectWhatsapp: string | null;
  priority: HandoffPriority;
  reason: string;
  summary: string;
  detectedNeeds: string[];
  suggestedProperties: SuggestedProperty[];
  qualificationScore: QualificationScore;
  conversationContext: string | null;
  nextSteps: string[];
  sourceChannel: SalesChannel | null;
  suggestedFollowUpChannel: SalesChannel;
}

export const SUGGESTION_COUNT = 3;
export const LAST_MESSAGES = 5;
export const MESSAGE_CHARS = 500;
export const TRANSCRIPT_TAIL = 2000;
const HIGH_FROM = 70;
const MEDIUM_FROM = 40;

const INTENT_BY_STATUS: Record<AppointmentStatus, number> = {
  completed: 100,
  scheduled: 80,
  rescheduled: 60,
  no_show: 20,
};
const ENGAGED_OUTCOMES = new Set(["qualified", "appointment_booked"]);

/** The needs a package lists, in order, each the prospect's own field or else the latest entity of its type. */
const NEEDS = [
  ["budget", "Budget", (p: ProspectFacts) => p.budget],
  ["city", "City", (p: ProspectFacts) => p.city],
  ["property_type", "Property type", (p: ProspectFacts) => p.preferredPropertyType],
  ["bedrooms", "Bedrooms", (p: ProspectFacts) => (p.bedrooms === null ? null : String(p.bedrooms))],
  ["timeline", "Timeline", (p: ProspectFacts) => p.timeline],
] as const satisfies readonly (readonly [EntityType, string, (p: ProspectFacts) => string | null])[];

export function generateHandoff(source: HandoffSource): HandoffContent {
  const { appointment, property, prospect, conversation } = source;
  const known = knownNeeds(prospect, source.entities);
  const qualificationScore = source.aiScore ? aiScoreOf(source.aiScore) : derivedScore(source, known);
  const suggestions = suggestProperties(prospect, property, source.listings);
  const reason = reasonOf(appointment, property);
  const needs = detectedNeedsOf(known, source.entities);
  const sourceChannel = appointment.sourceChannel ?? salesChannelOf(conversation?.channel);
  return {
    prospectId: prospect.id,
    appointmentId: appointment.id,
    conversationId: conversation?.id ?? null,
    prospectName: prospect.name,
    prospectPhone: prospect.phone,
    prospectEmail: prospect.email,
    prospectWhatsapp: prospect.whatsapp,
    priority: priorityOf(qualificationScore.overall),
    reason,
    summary:
      conversation?.summary?.trim() ||
      `${prospect.name} (${prospect.status}): ${needs.join("; ") || "no needs recorded yet"}. ${reason}.`,
    detectedNeeds: needs,
    suggestedProperties: suggestions,
    qualificationScore,
    conversationContext: conversation ? conversationContextOf(conversation) : null,
    nextSteps: nextStepsOf(source, suggestions, known),
    sourceChannel,
    suggestedFollowUpChannel: followUpChannel(prospect.preferredChannel, sourceChannel, conversation?.channel),
  };
}

function priorityOf(overall: number): HandoffPriority {
  return overall >= HIGH_FROM ? "high" : overall >= MEDIUM_FROM ? "medium" : "low";
}

export const aiScoreOf = (score: AiScore): QualificationScore => ({ ...score, source: "ai" });

/** The inbox channel as a sales channel, when it is one (a web chat is not). */
export function salesChannelOf(channel: string | undefined): SalesChannel | null {
  return SALES_CHANNELS.find((candidate) => candidate === channel) ?? null;
}

export function followUpChannel(
  preferred: SalesChannel | null,
  sourceChannel: SalesChannel | null,
  conversationChannel: string | undefined,
): SalesChannel {
  return preferred ?? sourceChannel ?? salesChannelOf(conversationChannel) ?? "phone";
}

export function conversationContextOf(conversation: ConversationFacts): string {
  const traits = [
    conversation.outcome && `outcome ${conversation.outcome}`,
    conversation.sentiment && `sentiment ${conversation.sentiment}`,
  ].filter(Boolean);
  const lines = [`Conversation by ${conversation.channel}${traits.length ? `, ${traits.join(", ")}` : ""}.`];
  const summary = conversation.summary?.trim();
  if (summary) lines.push(`Summary: ${summary}`);
  if (conversation.lastMessages.length > 0) {
    lines.push("Last messages:", ...conversation.lastMessages.map(({ sender, text }) => `${sender}: ${text.trim()}`));
  } else if (conversation.transcript?.trim()) {
    lines.push(`Transcript (end): ${conversation.transcript.trim()}`);
  }
  return lines.join("\n");
}

export const snapshotOf = (listing: Listing) =>
  Object.fromEntries(SNAPSHOT_FIELDS.map((field) => [field, listing[field]])) as SuggestedProperty;

/** Each need's value: the prospect's own field (what a person entered wins), else the latest entity of its type. */
type KnownNeeds = Record<(typeof NEEDS)[number][0], string | null>;

function knownNeeds(prospect: ProspectFacts, entities: HandoffSource["entities"]): KnownNeeds {
  const entity = (type: EntityType) => entities.find((candidate) => candidate.type === type)?.value.trim() || null;
  return Object.fromEntries(NEEDS.map(([type, , field]) => [type, field(prospect) ?? entity(type)])) as KnownNeeds;
}

function detectedNeedsOf(known: KnownNeeds, entities: HandoffSource["entities"]): string[] {
  const needs = NEEDS.filter(([type]) => known[type] !== null).map(([type, label]) => `${label}: ${known[type]}`);
  const other = entities.find((entity) => entity.type === "other")?.value.trim();
  return other ? [...needs, `Other: ${other}`] : needs;
}

function derivedScore(source: HandoffSource, known: KnownNeeds): QualificationScore {
  const { conversation } = source;
  const parts = {
    budget: known.budget === null ? 0 : 100,
    timeline: known.timeline === null ? 0 : 100,
    intent: INTENT_BY_STATUS[source.appointment.status],
    engagement: !conversation
      ? 0
      : conversation.handoffSuggested || ENGAGED_OUTCOMES.has(conversation.outcome ?? "")
        ? 100
        : 50,
  };
  const overall = Math.round((parts.budget + parts.timeline + parts.intent + parts.engagement) / 4);
  return { overall, ...parts, notes: null, source: "derived", scoredAt: null };
}

/** "2030-01-01 10:00 UTC": the same text for the same instant, whatever the machine's locale or zone. */
const timeText = (iso: string) => {
  const normal = new Date(iso).toISOString();
  return `${normal.slice(0, 10)} ${normal.slice(11, 16)} UTC`;
};

const propertyText = (property: Listing | null) => (property ? `${property.name} (${property.city})` : "the property");

function reasonOf(appointment: HandoffSource["appointment"], property: Listing | null): string {
  const what = propertyText(property);
  const when = timeText(appointment.scheduledAt);
  switch (appointment.status) {
    case "scheduled":
      return `Viewing of ${what} booked for ${when}`;
    case "rescheduled":
      return `Viewing of ${what} rescheduled to ${when}`;
    case "completed":
      return `Viewed ${what} on ${when}: ready for a rep to follow up`;
    case "no_show":
      return `Missed the viewing of ${what} on ${when}`;
  }
}

function nextStepsOf(source: HandoffSource, suggestions: SuggestedProperty[], known: KnownNeeds): string[] {
  const { appointment, prospect, property } = source;
  const what = propertyText(property);
  const when = timeText(appointment.scheduledAt);
  const names = suggestions.map((suggestion) => suggestion.name).join(", ");
  const prepare = `Prepare the details of ${what}${names ? ` and the alternatives: ${names}` : ""}`;
  const byStatus: Record<AppointmentStatus, (string | false)[]> = {
    scheduled: [`Confirm the viewing of ${what} on ${when} with ${prospect.name}`, prepare],
    rescheduled: [`Confirm the new viewing time (${when}) with ${prospect.name}`, prepare],
    completed: [
      `Call ${prospect.name} for feedback on ${what}`,
      Boolean(names) && `Share the suggested properties: ${names}`,
      "Discuss an offer and financing",
    ],
    no_show: [
      `Contact ${prospect.name} to rebook the missed viewing of ${what}`,
      Boolean(names) && `Offer the suggested properties: ${names}`,
    ],
  };
  const gaps = [
    known.budget === null && "Ask for the budget",
    known.timeline === null && "Ask about the buying timeline",
  ];
  return [...byStatus[appointment.status], ...gaps].filter((step): step is string => typeof step === "string");
}

/** An amount in cents, exactly: numeric(14,2) fits a bigint, never a float. */
function cents(amount: string): bigint {
  const [whole = "0", fraction = ""] = amount.split(".");
  return BigInt(whole + fraction.padEnd(2, "0").slice(0, 2));
}

const gap = (a: bigint, b: bigint) => (a > b ? a - b : b - a);
const compare = (a: bigint | number | string, b: bigint | number | string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The suggestion rule (HANDOFF_RULES). services/sales/handoffs.ts applies the same filter and
 * order in SQL, on the properties' city index, so that only the top SUGGESTION_COUNT leave the
 * database; the tests check both agree.
 */
function suggestProperties(
  prospect: ProspectFacts,
  viewed: Listing | null,
  listings: readonly Listing[],
): SuggestedProperty[] {
  const city = (prospect.city ?? viewed?.city)?.toLowerCase();
  if (city === undefined) return [];
  const budget = prospect.budget === null ? null : cents(prospect.budget);
  const wantedType = prospect.preferredPropertyType ?? viewed?.type ?? null;
  const wantedBedrooms = prospect.bedrooms ?? viewed?.bedrooms ?? null;
  const target = budget ?? (viewed ? cents(viewed.priceMin) : null);
  const keys = (listing: Listing) => {
    const price = cents(listing.priceMin);
    return [
      listing.type === wantedType ? 0 : 1,
      wantedBedrooms === null ? 0 : Math.abs(listing.bedrooms - wantedBedrooms),
      target === null ? price : gap(price, target),
      listing.id,
    ] as const;
  };
  return listings
    .filter(
      (listing) =>
        listing.status === "available" &&
        listing.id !== viewed?.id &&
        listing.city.toLowerCase() === city &&
        (budget === null || cents(listing.priceMin) <= budget),
    )
    .map((listing) => ({ listing, keys: keys(listing) }))
    .sort((a, b) => a.keys.reduce<number>((order, key, i) => order || compare(key, b.keys[i] as typeof key), 0))
    .slice(0, SUGGESTION_COUNT)
    .map(({ listing }) => snapshotOf(listing));
}
