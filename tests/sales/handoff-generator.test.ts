import { describe, expect, it } from "vitest";
import type { AppointmentStatus } from "../../db/schema";
import {
  type ConversationFacts,
  generateHandoff,
  type HandoffSource,
  type Listing,
} from "../../services/sales/handoff-generator";

/**
 * The hand-off generator (services/sales/handoff-generator.ts) as a table of cases: pure, so each
 * case is data in and a package out.
 */

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;

const listing = (n: number, fields: Partial<Listing> = {}): Listing => ({
  id: id(n),
  name: `Listing ${n}`,
  city: "Dubai",
  type: "villa",
  bedrooms: 4,
  priceMin: "2000000.00",
  priceMax: null,
  currency: "AED",
  status: "available",
  ...fields,
});

const viewed = listing(1, { name: "Palm Villa", priceMax: "2500000.00" });

const base: HandoffSource = {
  appointment: { id: id(100), status: "scheduled", scheduledAt: "2030-01-01T10:00:00.000Z", sourceChannel: null },
  property: viewed,
  prospect: {
    id: id(200),
    name: "Ada Buyer",
    email: "ada@example.test",
    phone: "+971500000001",
    whatsapp: null,
    status: "qualified",
    budget: "2500000.00",
    city: "Dubai",
    timeline: "3 months",
    preferredPropertyType: null,
    bedrooms: null,
    preferredChannel: null,
  },
  conversation: null,
  entities: [],
  aiScore: null,
  listings: [],
};

const conversation: ConversationFacts = {
  id: id(300),
  channel: "whatsapp",
  outcome: "qualified",
  sentiment: "positive",
  summary: "Wants a four-bedroom villa near the beach.",
  transcript: "AI: Hello\nCustomer: Hi",
  handoffSuggested: false,
  lastMessages: [
    { sender: "customer", text: "Is the villa still available?" },
    { sender: "ai", text: "Yes, viewings are open this week." },
  ],
};

/** A change to the base case; the prospect's fields are merged one by one. */
type Change = Omit<Partial<HandoffSource>, "prospect"> & { prospect?: Partial<HandoffSource["prospect"]> };

function source(change: Change = {}): HandoffSource {
  return { ...base, ...change, prospect: { ...base.prospect, ...change.prospect } };
}

const aiScore = (overall: number) => ({
  overall,
  budget: 90,
  timeline: 50,
  intent: 70,
  engagement: 60,
  notes: "Keen",
  scoredAt: "2029-12-31T09:00:00.000Z",
});

describe("generateHandoff", () => {
  it("without a conversation: no context, a composed summary, a score derived from the data", () => {
    expect(generateHandoff(base)).toEqual({
      prospectId: id(200),
      appointmentId: id(100),
      conversationId: null,
      prospectName: "Ada Buyer",
      prospectPhone: "+971500000001",
      prospectEmail: "ada@example.test",
      prospectWhatsapp: null,
      // budget 100, timeline 100, intent (scheduled) 80, engagement (no conversation) 0 → 70
      priority: "high",
      reason: "Viewing of Palm Villa (Dubai) booked for 2030-01-01 10:00 UTC",
      summary:
        "Ada Buyer (qualified): Budget: 2500000.00; City: Dubai; Timeline: 3 months. " +
        "Viewing of Palm Villa (Dubai) booked for 2030-01-01 10:00 UTC.",
      detectedNeeds: ["Budget: 2500000.00", "City: Dubai", "Timeline: 3 months"],
      suggestedProperties: [],
      qualificationScore: {
        overall: 70,
        budget: 100,
        timeline: 100,
        intent: 80,
        engagement: 0,
        notes: null,
        source: "derived",
        scoredAt: null,
      },
      conversationContext: null,
      nextSteps: [
        "Confirm the viewing of Palm Villa (Dubai) on 2030-01-01 10:00 UTC with Ada Buyer",
        "Prepare the details of Palm Villa (Dubai)",
      ],
      sourceChannel: null,
      suggestedFollowUpChannel: "phone",
    });
  });

  it("with a conversation: its id, summary and context; its channel for the source and the follow-up", () => {
    const handoff = generateHandoff(source({ conversation }));
    expect(handoff).toMatchObject({
      conversationId: id(300),
      summary: "Wants a four-bedroom villa near the beach.",
      conversationContext:
        "Conversation by whatsapp, outcome qualified, sentiment positive.\n" +
        "Summary: Wants a four-bedroom villa near the beach.\n" +
        "Last messages:\n" +
        "customer: Is the villa still available?\n" +
        "ai: Yes, viewings are open this week.",
      sourceChannel: "whatsapp",
      suggestedFollowUpChannel: "whatsapp",
    });
    // A qualified outcome is full engagement: (100 + 100 + 80 + 100) / 4 = 95.
    expect(handoff.qualificationScore).toMatchObject({ overall: 95, engagement: 100, source: "derived" });
  });

  it("with a conversation that has no messages: the end of its transcript", () => {
    const quiet = { ...conversation, summary: null, outcome: null, sentiment: null, lastMessages: [] };
    const handoff = generateHandoff(source({ conversation: quiet }));
    expect(handoff.conversationContext).toBe("Conversation by whatsapp.\nTranscript (end): AI: Hello\nCustomer: Hi");
    // No summary to copy: the composed one.
    expect(handoff.summary).toMatch(/^Ada Buyer \(qualified\): /);
    // Another outcome is half engagement: (100 + 100 + 80 + 50) / 4 = 82.5 → 83.
    expect(handoff.qualificationScore.overall).toBe(83);
  });

  it.each<[string, Change, string, number]>([
    ["an AI score of 100", { aiScore: aiScore(100) }, "high", 100],
    ["an AI score of 70", { aiScore: aiScore(70) }, "high", 70],
    ["an AI score of 69", { aiScore: aiScore(69) }, "medium", 69],
    ["an AI score of 40", { aiScore: aiScore(40) }, "medium", 40],
    ["an AI score of 39", { aiScore: aiScore(39) }, "low", 39],
    ["an AI score of 0", { aiScore: aiScore(0) }, "low", 0],
    // Derived: budget 100 + timeline 0 + scheduled 80 + no conversation 0 → 45.
    ["derived, a budget alone", { prospect: { timeline: null } }, "medium", 45],
    // Derived: 0 + 0 + no_show 20 + 0 → 5.
    [
      "derived, nothing known and a missed viewing",
      { prospect: { budget: null, timeline: null }, appointment: { ...base.appointment, status: "no_show" as const } },
      "low",
      5,
    ],
    // Derived: 100 + 100 + completed 100 + a suggested hand-off 100 → 100.
    [
      "derived, a completed viewing after a conversation that suggested a hand-off",
      {
        appointment: { ...base.appointment, status: "completed" as const },
        conversation: { ...conversation, outcome: "callback_requested", handoffSuggested: true },
      },
      "high",
      100,
    ],
  ])("priority from %s", (_name, change, priority, overall) => {
    const handoff = generateHandoff(source(change));
    expect(handoff.priority).toBe(priority);
    expect(handoff.qualificationScore.overall).toBe(overall);
  });

  it("keeps the AI score as it was given, marked as the AI's", () => {
    expect(generateHandoff(source({ aiScore: aiScore(77) })).qualificationScore).toEqual({
      ...aiScore(77),
      source: "ai",
    });
  });

  it("suggests no property when none matches: another city, not available, over budget, the viewed one", () => {
    const listings = [
      viewed,
      listing(2, { city: "Abu Dhabi" }),
      listing(3, { status: "sold" }),
      listing(4, { status: "reserved" }),
      listing(5, { priceMin: "2500000.01" }),
    ];
    expect(generateHandoff(source({ listings })).suggestedProperties).toEqual([]);
    // No city known at all (neither the prospect's nor a viewed property's): nothing to match.
    expect(generateHandoff(source({ listings, property: null, prospect: { city: null } })).suggestedProperties).toEqual(
      [],
    );
  });

  it("ranks suggestions: wanted type, then bedrooms, then price closest to the budget, then id; three at most", () => {
    const listings = [
      listing(10, { type: "apartment", bedrooms: 4, priceMin: "2500000.00" }),
      listing(11, { bedrooms: 3, priceMin: "2500000.00" }),
      listing(12, { bedrooms: 4, priceMin: "2400000.00" }),
      listing(14, { bedrooms: 4, priceMin: "2450000.00", city: "DUBAI" }),
      listing(13, { bedrooms: 4, priceMin: "2450000.00" }),
      listing(15, { bedrooms: 5, priceMin: "2500000.00" }),
    ];
    const ids = (change: Change) =>
      generateHandoff(source({ listings, ...change })).suggestedProperties.map((suggestion) => suggestion.id);
    // Villas with 4 bedrooms (the viewed property's) first, the closest under the budget first, ties by id.
    expect(ids({})).toEqual([id(13), id(14), id(12)]);
    // The prospect's own preferences win over the viewed property's.
    expect(ids({ prospect: { preferredPropertyType: "apartment", bedrooms: 3 } })).toEqual([id(10), id(11), id(13)]);
    // Without a budget, closest to the viewed property's price (2,000,000).
    expect(ids({ prospect: { budget: null } })).toEqual([id(12), id(13), id(14)]);
    // With neither a budget nor a viewed property (the prospect's city still given): cheapest first.
    expect(ids({ prospect: { budget: null }, property: null })).toEqual([id(12), id(13), id(14)]);
    expect(generateHandoff(source({ listings })).suggestedProperties[0]).toEqual({
      id: id(13),
      name: "Listing 13",
      city: "Dubai",
      type: "villa",
      bedrooms: 4,
      priceMin: "2450000.00",
      priceMax: null,
      currency: "AED",
    });
  });

  it("compares prices exactly, beyond a float's precision", () => {
    const listings = [listing(20, { priceMin: "999999999999.98" }), listing(21, { priceMin: "999999999999.99" })];
    const handoff = generateHandoff(source({ listings, prospect: { budget: "999999999999.99" } }));
    expect(handoff.suggestedProperties.map((suggestion) => suggestion.id)).toEqual([id(21), id(20)]);
  });

  const withSuggestion = { listings: [listing(30, { name: "Marina Loft" })] };
  it.each<[AppointmentStatus, string, string[]]>([
    [
      "scheduled",
      "Viewing of Palm Villa (Dubai) booked for 2030-01-01 10:00 UTC",
      [
        "Confirm the viewing of Palm Villa (Dubai) on 2030-01-01 10:00 UTC with Ada Buyer",
        "Prepare the details of Palm Villa (Dubai) and the alternatives: Marina Loft",
      ],
    ],
    [
      "rescheduled",
      "Viewing of Palm Villa (Dubai) rescheduled to 2030-01-01 10:00 UTC",
      [
        "Confirm the new viewing time (2030-01-01 10:00 UTC) with Ada Buyer",
        "Prepare the details of Palm Villa (Dubai) and the alternatives: Marina Loft",
      ],
    ],
    [
      "completed",
      "Viewed Palm Villa (Dubai) on 2030-01-01 10:00 UTC: ready for a rep to follow up",
      [
        "Call Ada Buyer for feedback on Palm Villa (Dubai)",
        "Share the suggested properties: Marina Loft",
        "Discuss an offer and financing",
      ],
    ],
    [
      "no_show",
      "Missed the viewing of Palm Villa (Dubai) on 2030-01-01 10:00 UTC",
      [
        "Contact Ada Buyer to rebook the missed viewing of Palm Villa (Dubai)",
        "Offer the suggested properties: Marina Loft",
      ],
    ],
  ])("a %s appointment: its reason and next steps", (status, reason, nextSteps) => {
    const handoff = generateHandoff(source({ ...withSuggestion, appointment: { ...base.appointment, status } }));
    expect(handoff.reason).toBe(reason);
    expect(handoff.nextSteps).toEqual(nextSteps);
  });

  it("asks for what is missing, and names no property when the appointment has none", () => {
    const handoff = generateHandoff(
      source({
        property: null,
        appointment: { ...base.appointment, status: "completed" },
        prospect: { budget: null, timeline: null },
      }),
    );
    expect(handoff.nextSteps).toEqual([
      "Call Ada Buyer for feedback on the property",
      "Discuss an offer and financing",
      "Ask for the budget",
      "Ask about the buying timeline",
    ]);
  });

  it("lists needs from the prospect's fields first, detected entities where the prospect has none", () => {
    const handoff = generateHandoff(
      source({
        prospect: { budget: null, city: "Dubai", bedrooms: 3 },
        entities: [
          { type: "budget", value: "3M AED" },
          { type: "city", value: "Sharjah" },
          { type: "property_type", value: "penthouse" },
          { type: "name", value: "Ada" },
          { type: "other", value: "Needs parking for two cars" },
        ],
      }),
    );
    expect(handoff.detectedNeeds).toEqual([
      "Budget: 3M AED",
      "City: Dubai",
      "Property type: penthouse",
      "Bedrooms: 3",
      "Timeline: 3 months",
      "Other: Needs parking for two cars",
    ]);
    // A budget the AI heard counts as known: no "Ask for the budget".
    expect(handoff.nextSteps).not.toContain("Ask for the budget");
    expect(handoff.qualificationScore.budget).toBe(100);
  });

  it.each<[string, Change, string]>([
    ["the prospect's preferred channel first", { prospect: { preferredChannel: "email" as const } }, "email"],
    [
      "then the appointment's source channel",
      { appointment: { ...base.appointment, sourceChannel: "sms" as const }, conversation },
      "sms",
    ],
    ["then the conversation's channel", { conversation }, "whatsapp"],
    ["not a web chat, which is no sales channel", { conversation: { ...conversation, channel: "webchat" } }, "phone"],
    ["else phone", {}, "phone"],
  ])("follow-up channel: %s", (_name, change, channel) => {
    expect(generateHandoff(source(change)).suggestedFollowUpChannel).toBe(channel);
  });

  it("is deterministic: the same data gives a deep-equal package, whatever the listings' order, input untouched", () => {
    const listings = [listing(40, { bedrooms: 3 }), listing(41), listing(42, { priceMin: "1000000.00" }), listing(43)];
    const input = source({ conversation, aiScore: aiScore(55), listings, entities: [{ type: "other", value: "x" }] });
    const copy = structuredClone(input);
    const first = generateHandoff(input);
    expect(generateHandoff(structuredClone(input))).toEqual(first);
    expect(generateHandoff({ ...input, listings: [...listings].reverse() })).toEqual(first);
    expect(input).toEqual(copy);
  });
});
