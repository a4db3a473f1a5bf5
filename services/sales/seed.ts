import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import type { Database } from "../../db/client";
import {
  type AppointmentStatus,
  agentActions,
  agentPlanSteps,
  appointments,
  type ConversationOutcome,
  campaignRuns,
  campaigns,
  conversations,
  detectedEntities,
  type HandoffPriority,
  type HandoffStatus,
  handoffPackages,
  integrations,
  messages,
  type PropertyType,
  type ProspectStatus,
  properties,
  prospectConversations,
  prospects,
  type QueuedLeadStatus,
  qualificationScores,
  queuedLeads,
  type Role,
  routingRules,
  type SalesChannel,
  salesReps,
  users,
} from "../../db/schema";
import { hashPassword } from "../../shared/auth/passwords";
import { DEMO_PASSWORD, type DemoCredentials } from "../platform/seed";

/**
 * The sales demo (spec 001) in the demo tenant: a sales manager, three reps (one inactive) and a QA
 * supervisor; listings in four cities; prospects in every status with the AI agent's conversations
 * (inbox conversations and messages, linked to the prospect) and what it recorded in them; routing
 * rules; an active campaign with a running run and queued leads, a draft and a paused one;
 * appointments; hand-offs in every status, one pending past its expiry so `npm run job --
 * handoff-expiry` has one to expire; a CRM and a calendar integration. Rows are inserted directly
 * (ids chosen here), one statement per table, in one transaction. Times are relative to the first
 * run. The manager's user marks it done: a second run finds it and adds nothing.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const SALES_USERS = {
  manager: { email: "manager@frontdesk.dev", name: "Demo Sales Manager", role: "sales_manager" },
  rep1: { email: "rep1@frontdesk.dev", name: "Sara Haddad", role: "sales_rep" },
  rep2: { email: "rep2@frontdesk.dev", name: "Marco Silva", role: "sales_rep" },
  rep3: { email: "rep3@frontdesk.dev", name: "Tom Walsh", role: "sales_rep" },
  qa: { email: "qa@frontdesk.dev", name: "Demo QA Supervisor", role: "qa_supervisor" },
} as const satisfies Record<string, { email: string; name: string; role: Role }>;
type Person = keyof typeof SALES_USERS;
type Rep = "rep1" | "rep2" | "rep3";
/** rep3 has left the team: routing skips them, and the prospects they had stay theirs. */
const ACTIVE_REPS: Record<Rep, boolean> = { rep1: true, rep2: true, rep3: false };

/** Listings are priced in their city's currency, so a budget compares with a price of the same city. */
const CURRENCIES = { Dubai: "AED", "Abu Dhabi": "AED", Miami: "USD", "New York": "USD" } as const;
type City = keyof typeof CURRENCIES;

interface PropertySeed {
  name: string;
  city: City;
  type: PropertyType;
  status: "available" | "reserved" | "sold";
  bedrooms: number;
  /** Minimum and, for a range, maximum price. */
  price: [number, number?];
  description: string;
  features: string[];
}

const PROPERTIES: PropertySeed[] = [
  {
    name: "Palm Jumeirah Signature Villa",
    city: "Dubai",
    type: "villa",
    status: "available",
    bedrooms: 5,
    price: [28_000_000, 32_000_000],
    description: "Frond villa with 40 m of private beach, a sunken majlis and views back to the Dubai Marina skyline.",
    features: ["private beach", "infinity pool", "smart home", "maid's room", "sea view"],
  },
  {
    name: "Marina Gate Sky Penthouse",
    city: "Dubai",
    type: "penthouse",
    status: "available",
    bedrooms: 4,
    price: [14_500_000],
    description: "Duplex penthouse on the 62nd floor with a wraparound terrace over the marina and the Gulf.",
    features: ["private terrace", "plunge pool", "concierge", "marina view", "3 parking spaces"],
  },
  {
    name: "Downtown Burj Vista Apartment",
    city: "Dubai",
    type: "apartment",
    status: "available",
    bedrooms: 2,
    price: [3_200_000, 3_600_000],
    description:
      "Bright two-bedroom apartment facing the Burj Khalifa and the Dubai Fountain, a short walk from Dubai Mall.",
    features: ["Burj Khalifa view", "gym", "pool", "balcony", "metro nearby"],
  },
  {
    name: "Dubai Hills Park Townhouse",
    city: "Dubai",
    type: "townhouse",
    status: "reserved",
    bedrooms: 3,
    price: [3_900_000, 4_300_000],
    description: "Corner townhouse on the park with a private garden, close to Dubai Hills Mall and the golf course.",
    features: ["private garden", "park view", "community pool", "study", "covered parking"],
  },
  {
    name: "JBR Beachfront Apartment",
    city: "Dubai",
    type: "apartment",
    status: "sold",
    bedrooms: 1,
    price: [1_850_000],
    description: "One-bedroom apartment above The Walk with direct beach access and a sea-facing balcony.",
    features: ["beach access", "sea view", "furnished", "pool"],
  },
  {
    name: "Emirates Hills Lakeside Villa",
    city: "Dubai",
    type: "villa",
    status: "available",
    bedrooms: 6,
    price: [45_000_000, 52_000_000],
    description:
      "Contemporary mansion on the lake with a home cinema, a wine cellar and views over the Montgomerie course.",
    features: ["lake view", "home cinema", "wine cellar", "elevator", "staff quarters"],
  },
  {
    name: "Saadiyat Beach Villa",
    city: "Abu Dhabi",
    type: "villa",
    status: "available",
    bedrooms: 4,
    price: [9_800_000, 11_200_000],
    description:
      "Beach villa in the cultural district, minutes from the Louvre Abu Dhabi, with a landscaped pool garden.",
    features: ["beach access", "private pool", "garden", "maid's room", "golf nearby"],
  },
  {
    name: "Al Reem Island Waterfront Apartment",
    city: "Abu Dhabi",
    type: "apartment",
    status: "available",
    bedrooms: 2,
    price: [1_650_000, 1_900_000],
    description: "Waterfront apartment on Reem Island with a canal-side promenade and a short drive to the Corniche.",
    features: ["water view", "gym", "pool", "balcony", "children's play area"],
  },
  {
    name: "Yas Acres Golf Townhouse",
    city: "Abu Dhabi",
    type: "townhouse",
    status: "available",
    bedrooms: 3,
    price: [2_750_000, 3_100_000],
    description: "Family townhouse on the Yas Acres golf course, close to Yas Mall and the theme parks.",
    features: ["golf course view", "private garden", "community pool", "covered parking"],
  },
  {
    name: "Corniche Tower Penthouse",
    city: "Abu Dhabi",
    type: "penthouse",
    status: "reserved",
    bedrooms: 4,
    price: [8_400_000],
    description: "Full-floor penthouse above the Corniche with sea views on three sides and a private lift lobby.",
    features: ["sea view", "private elevator", "concierge", "terrace", "2 parking spaces"],
  },
  {
    name: "Al Raha Beach Apartment",
    city: "Abu Dhabi",
    type: "apartment",
    status: "sold",
    bedrooms: 3,
    price: [2_300_000],
    description: "Three-bedroom apartment on Al Raha's canal with a marina promenade below.",
    features: ["marina view", "pool", "gym", "balcony"],
  },
  {
    name: "Jubail Island Mangrove Villa",
    city: "Abu Dhabi",
    type: "villa",
    status: "available",
    bedrooms: 5,
    price: [12_500_000, 14_000_000],
    description: "Villa among the mangroves of Jubail Island with a boardwalk, a private pool and a rooftop lounge.",
    features: ["mangrove view", "private pool", "rooftop terrace", "smart home", "boat mooring"],
  },
  {
    name: "Brickell Key Bayfront Apartment",
    city: "Miami",
    type: "apartment",
    status: "available",
    bedrooms: 2,
    price: [895_000, 960_000],
    description: "Bayfront two-bedroom on Brickell Key with floor-to-ceiling windows and a resort-style pool deck.",
    features: ["bay view", "pool", "24-hour security", "gym", "balcony"],
  },
  {
    name: "Miami Beach Oceanfront Penthouse",
    city: "Miami",
    type: "penthouse",
    status: "available",
    bedrooms: 3,
    price: [6_750_000],
    description: "Oceanfront penthouse in South Beach with a rooftop pool terrace and private beach service.",
    features: ["ocean view", "rooftop pool", "beach service", "concierge", "private elevator"],
  },
  {
    name: "Coconut Grove Garden Townhouse",
    city: "Miami",
    type: "townhouse",
    status: "available",
    bedrooms: 3,
    price: [1_450_000, 1_600_000],
    description: "Three-storey townhouse under banyan trees, a few blocks from the Grove's marinas and cafes.",
    features: ["private garden", "rooftop deck", "2-car garage", "walk to marina"],
  },
  {
    name: "Coral Gables Mediterranean Villa",
    city: "Miami",
    type: "villa",
    status: "reserved",
    bedrooms: 5,
    price: [3_900_000, 4_250_000],
    description: "Restored 1920s Mediterranean Revival villa with a courtyard fountain, a pool and a guest house.",
    features: ["pool", "guest house", "courtyard", "historic district", "summer kitchen"],
  },
  {
    name: "Edgewater Skyline Apartment",
    city: "Miami",
    type: "apartment",
    status: "sold",
    bedrooms: 1,
    price: [520_000],
    description: "One-bedroom with bay and skyline views in Edgewater, close to the Design District.",
    features: ["bay view", "pool", "gym", "pet friendly"],
  },
  {
    name: "Key Biscayne Waterfront Villa",
    city: "Miami",
    type: "villa",
    status: "available",
    bedrooms: 6,
    price: [8_900_000, 9_500_000],
    description:
      "Waterfront villa with a private dock for a 60 ft yacht, an infinity pool and sunset views over the bay.",
    features: ["private dock", "infinity pool", "bay view", "impact windows", "smart home"],
  },
  {
    name: "Tribeca Loft Apartment",
    city: "New York",
    type: "apartment",
    status: "available",
    bedrooms: 2,
    price: [2_950_000],
    description: "Converted warehouse loft with 12 ft ceilings, cast-iron columns and original timber beams.",
    features: ["high ceilings", "doorman", "storage", "washer and dryer"],
  },
  {
    name: "Central Park South Penthouse",
    city: "New York",
    type: "penthouse",
    status: "available",
    bedrooms: 4,
    price: [18_500_000, 21_000_000],
    description: "Penthouse with an unobstructed Central Park view, a library and a 1,000 sq ft terrace.",
    features: ["park view", "terrace", "doorman", "private elevator", "wine room"],
  },
  {
    name: "Brooklyn Heights Brownstone Townhouse",
    city: "New York",
    type: "townhouse",
    status: "available",
    bedrooms: 4,
    price: [5_200_000, 5_600_000],
    description: "Four-storey 1890s brownstone near the Promenade with a garden and restored parlour-floor details.",
    features: ["garden", "fireplaces", "original details", "near the Promenade"],
  },
  {
    name: "Hudson Yards Studio Apartment",
    city: "New York",
    type: "apartment",
    status: "reserved",
    bedrooms: 0,
    price: [1_150_000],
    description: "High-floor studio at Hudson Yards with Hudson River views and a full-service amenity floor.",
    features: ["river view", "gym", "doorman", "co-working lounge"],
  },
  {
    name: "Upper East Side Townhouse",
    city: "New York",
    type: "townhouse",
    status: "sold",
    bedrooms: 5,
    price: [11_900_000],
    description: "Limestone townhouse off Madison Avenue with an elevator, a roof terrace and a landscaped garden.",
    features: ["elevator", "roof terrace", "garden", "fireplaces"],
  },
  {
    name: "Riverdale Hudson View Villa",
    city: "New York",
    type: "villa",
    status: "available",
    bedrooms: 5,
    price: [4_400_000, 4_800_000],
    description: "Stone villa on an acre in Riverdale with Hudson River views, twenty minutes from Midtown.",
    features: ["river view", "acre lot", "pool", "3-car garage"],
  },
];

interface RuleSeed {
  name: string;
  priority: number;
  /** Lower case; empty matches any city. */
  cities: string[];
  minBudget?: number;
  maxBudget?: number;
  channels: SalesChannel[];
  reps: Rep[];
  isActive?: boolean;
}

const ROUTING_RULES: RuleSeed[] = [
  { name: "Dubai luxury", priority: 10, cities: ["dubai"], minBudget: 2_000_000, channels: [], reps: ["rep1", "rep2"] },
  { name: "Abu Dhabi on WhatsApp", priority: 20, cities: ["abu dhabi"], channels: ["whatsapp"], reps: ["rep1"] },
  { name: "Miami", priority: 30, cities: ["miami"], channels: [], reps: ["rep2", "rep3"] },
  {
    name: "Dubai first homes",
    priority: 40,
    cities: ["dubai"],
    maxBudget: 2_000_000,
    channels: [],
    reps: ["rep3"],
    isActive: false,
  },
  { name: "Everyone else", priority: 1000, cities: [], channels: [], reps: ["rep1", "rep2", "rep3"] },
];

interface ConversationSeed {
  channel: SalesChannel;
  /** Undefined: the AI agent is in it now. */
  outcome?: ConversationOutcome;
  hoursAgo: number;
  /** An attempt of the active campaign's run. */
  campaign?: boolean;
}

interface ProspectSeed {
  name: string;
  city: City;
  budget: number | null;
  timeline: string | null;
  type: PropertyType | null;
  bedrooms: number | null;
  channel: SalesChannel;
  status: ProspectStatus;
  /** Routed by the rules unless given: a rep chosen by hand, or null (imported before any rule existed). */
  assignee?: Rep | null;
  conversations?: ConversationSeed[];
  /** The AI agent's latest score: overall, budget, timeline, intent, engagement. */
  score?: [number, number, number, number, number];
  /** Queued in the active campaign; a queued lead waits `nextAttemptMinutes` from now. */
  lead?: { status: QueuedLeadStatus; nextAttemptMinutes?: number };
  /** Queued in the paused campaign, which contacts no one until it resumes. */
  pausedLead?: boolean;
}

const PROSPECTS: ProspectSeed[] = [
  // new
  {
    name: "Omar Al Fassi",
    city: "Dubai",
    budget: 3_500_000,
    timeline: "within 6 months",
    type: "apartment",
    bedrooms: 2,
    channel: "whatsapp",
    status: "new",
    lead: { status: "queued", nextAttemptMinutes: -10 },
  },
  {
    name: "Hannah Becker",
    city: "Dubai",
    budget: 2_800_000,
    timeline: null,
    type: null,
    bedrooms: null,
    channel: "email",
    status: "new",
    lead: { status: "queued", nextAttemptMinutes: 120 },
  },
  {
    name: "Rahul Mehta",
    city: "Dubai",
    budget: 4_200_000,
    timeline: "this year",
    type: "townhouse",
    bedrooms: 3,
    channel: "phone",
    status: "new",
    lead: { status: "queued", nextAttemptMinutes: 1440 },
  },
  {
    name: "Sophie Laurent",
    city: "New York",
    budget: null,
    timeline: null,
    type: null,
    bedrooms: null,
    channel: "email",
    status: "new",
    assignee: null,
  },
  {
    name: "Khalid Rahman",
    city: "Abu Dhabi",
    budget: 2_000_000,
    timeline: "in 6 to 12 months",
    type: "apartment",
    bedrooms: 2,
    channel: "whatsapp",
    status: "new",
    assignee: null,
    pausedLead: true,
  },
  {
    name: "Isabella Cruz",
    city: "Miami",
    budget: 1_200_000,
    timeline: null,
    type: "apartment",
    bedrooms: 2,
    channel: "sms",
    status: "new",
    assignee: null,
    pausedLead: true,
  },
  // contacted
  {
    name: "Yusuf Demir",
    city: "Dubai",
    budget: 2_500_000,
    timeline: null,
    type: "apartment",
    bedrooms: null,
    channel: "phone",
    status: "contacted",
    conversations: [{ channel: "phone", outcome: "no_answer", hoursAgo: 20, campaign: true }],
    lead: { status: "queued", nextAttemptMinutes: 60 },
  },
  {
    name: "Emily Carter",
    city: "Dubai",
    budget: 6_000_000,
    timeline: null,
    type: "villa",
    bedrooms: null,
    channel: "phone",
    status: "contacted",
    conversations: [
      { channel: "phone", outcome: "voicemail", hoursAgo: 66, campaign: true },
      { channel: "phone", outcome: "no_answer", hoursAgo: 40, campaign: true },
      { channel: "phone", outcome: "voicemail", hoursAgo: 18, campaign: true },
    ],
    lead: { status: "exhausted" },
  },
  {
    name: "Ahmed Saleh",
    city: "Dubai",
    budget: 3_000_000,
    timeline: null,
    type: null,
    bedrooms: null,
    channel: "whatsapp",
    status: "contacted",
    conversations: [{ channel: "whatsapp", hoursAgo: 0.1, campaign: true }],
    lead: { status: "contacting" },
  },
  {
    name: "Grace Kim",
    city: "Miami",
    budget: 900_000,
    timeline: "within 3 months",
    type: "apartment",
    bedrooms: 2,
    channel: "whatsapp",
    status: "contacted",
    conversations: [{ channel: "whatsapp", outcome: "callback_requested", hoursAgo: 120 }],
  },
  {
    name: "Lucas Moreau",
    city: "New York",
    budget: 3_000_000,
    timeline: "next spring",
    type: "apartment",
    bedrooms: 2,
    channel: "email",
    status: "contacted",
    conversations: [{ channel: "email", outcome: "connected", hoursAgo: 72 }],
  },
  // qualified
  {
    name: "Mariam Al Mansoori",
    city: "Dubai",
    budget: 15_000_000,
    timeline: "within 3 months",
    type: "penthouse",
    bedrooms: 4,
    channel: "phone",
    status: "qualified",
    conversations: [{ channel: "phone", outcome: "qualified", hoursAgo: 30, campaign: true }],
    score: [88, 95, 85, 90, 80],
    lead: { status: "done" },
  },
  {
    name: "David Thompson",
    city: "Miami",
    budget: 7_000_000,
    timeline: "this summer",
    type: "penthouse",
    bedrooms: 3,
    channel: "phone",
    status: "qualified",
    conversations: [{ channel: "phone", outcome: "qualified", hoursAgo: 96 }],
    score: [74, 80, 70, 75, 68],
  },
  {
    name: "Chen Wei",
    city: "Abu Dhabi",
    budget: 10_500_000,
    timeline: "as soon as possible",
    type: "villa",
    bedrooms: 4,
    channel: "whatsapp",
    status: "qualified",
    conversations: [{ channel: "whatsapp", outcome: "qualified", hoursAgo: 48 }],
    score: [91, 90, 95, 92, 85],
  },
  {
    name: "Olivia Novak",
    city: "New York",
    budget: 5_500_000,
    timeline: "in 6 to 12 months",
    type: "townhouse",
    bedrooms: 4,
    channel: "email",
    status: "qualified",
    conversations: [{ channel: "email", outcome: "qualified", hoursAgo: 144 }],
    score: [66, 75, 50, 70, 65],
  },
  {
    name: "Fatima Zahra",
    city: "Abu Dhabi",
    budget: 3_000_000,
    timeline: "next year",
    type: "townhouse",
    bedrooms: 3,
    channel: "phone",
    status: "qualified",
    conversations: [{ channel: "phone", outcome: "qualified", hoursAgo: 72 }],
    score: [58, 65, 40, 60, 62],
  },
  {
    name: "James O'Connor",
    city: "Dubai",
    budget: 3_500_000,
    timeline: "within 6 months",
    type: "apartment",
    bedrooms: 2,
    channel: "sms",
    status: "qualified",
    conversations: [
      { channel: "phone", outcome: "connected", hoursAgo: 50, campaign: true },
      { channel: "sms", outcome: "qualified", hoursAgo: 26 },
    ],
    score: [70, 72, 68, 74, 66],
    lead: { status: "done" },
  },
  // appointment_set
  {
    name: "Layla Hassan",
    city: "Dubai",
    budget: 16_000_000,
    timeline: "within 3 months",
    type: "penthouse",
    bedrooms: 4,
    channel: "phone",
    status: "appointment_set",
    conversations: [{ channel: "phone", outcome: "appointment_booked", hoursAgo: 44, campaign: true }],
    score: [90, 92, 88, 94, 86],
    lead: { status: "done" },
  },
  {
    name: "Michael Rossi",
    city: "Miami",
    budget: 1_500_000,
    timeline: "within 3 months",
    type: "townhouse",
    bedrooms: 3,
    channel: "phone",
    status: "appointment_set",
    conversations: [{ channel: "phone", outcome: "appointment_booked", hoursAgo: 72 }],
    score: [76, 70, 85, 78, 72],
  },
  {
    name: "Aisha Khan",
    city: "Abu Dhabi",
    budget: 2_900_000,
    timeline: "this year",
    type: "townhouse",
    bedrooms: 3,
    channel: "whatsapp",
    status: "appointment_set",
    conversations: [{ channel: "whatsapp", outcome: "appointment_booked", hoursAgo: 168 }],
    score: [72, 68, 70, 80, 74],
  },
  {
    name: "Daniel Schwartz",
    city: "New York",
    budget: 19_000_000,
    timeline: "as soon as possible",
    type: "penthouse",
    bedrooms: 4,
    channel: "phone",
    status: "appointment_set",
    conversations: [{ channel: "phone", outcome: "appointment_booked", hoursAgo: 48 }],
    score: [93, 96, 92, 90, 88],
  },
  {
    name: "Noura Al Suwaidi",
    city: "Dubai",
    budget: 30_000_000,
    timeline: "within 6 months",
    type: "villa",
    bedrooms: 5,
    channel: "whatsapp",
    status: "appointment_set",
    conversations: [{ channel: "whatsapp", outcome: "appointment_booked", hoursAgo: 36 }],
    score: [89, 97, 80, 88, 84],
  },
  {
    name: "Carlos Mendes",
    city: "Miami",
    budget: 9_000_000,
    timeline: "this summer",
    type: "villa",
    bedrooms: 6,
    channel: "email",
    status: "appointment_set",
    conversations: [
      { channel: "email", outcome: "appointment_booked", hoursAgo: 240 },
      { channel: "phone", outcome: "appointment_booked", hoursAgo: 96 },
    ],
    score: [71, 88, 65, 70, 55],
  },
  // closed
  {
    name: "Priya Nair",
    city: "Dubai",
    budget: 4_300_000,
    timeline: "within 3 months",
    type: "townhouse",
    bedrooms: 3,
    channel: "phone",
    status: "closed",
    conversations: [{ channel: "phone", outcome: "appointment_booked", hoursAgo: 384 }],
    score: [84, 82, 90, 86, 78],
  },
  {
    name: "Thomas Müller",
    city: "Abu Dhabi",
    budget: 9_000_000,
    timeline: "within 3 months",
    type: "penthouse",
    bedrooms: 4,
    channel: "phone",
    status: "closed",
    conversations: [{ channel: "phone", outcome: "appointment_booked", hoursAgo: 504 }],
    score: [86, 88, 84, 90, 80],
  },
  {
    name: "Sarah Goldberg",
    city: "New York",
    budget: 12_000_000,
    timeline: "within 3 months",
    type: "townhouse",
    bedrooms: 5,
    channel: "email",
    status: "closed",
    assignee: "rep3",
    conversations: [{ channel: "email", outcome: "appointment_booked", hoursAgo: 672 }],
    score: [87, 90, 85, 88, 82],
  },
  // lost
  {
    name: "Viktor Petrov",
    city: "Dubai",
    budget: 2_400_000,
    timeline: null,
    type: "apartment",
    bedrooms: 1,
    channel: "phone",
    status: "lost",
    conversations: [{ channel: "phone", outcome: "not_interested", hoursAgo: 60, campaign: true }],
    lead: { status: "done" },
  },
  {
    name: "Jessica Brown",
    city: "Miami",
    budget: 700_000,
    timeline: null,
    type: "apartment",
    bedrooms: 1,
    channel: "sms",
    status: "lost",
    conversations: [{ channel: "sms", outcome: "not_interested", hoursAgo: 192 }],
  },
  {
    name: "Hamad Al Dhaheri",
    city: "Abu Dhabi",
    budget: null,
    timeline: null,
    type: null,
    bedrooms: null,
    channel: "phone",
    status: "lost",
    conversations: [{ channel: "phone", outcome: "wrong_number", hoursAgo: 216 }],
  },
  {
    name: "Ana Ribeiro",
    city: "Miami",
    budget: 4_500_000,
    timeline: "this year",
    type: "villa",
    bedrooms: 5,
    channel: "whatsapp",
    status: "lost",
    assignee: "rep3",
    conversations: [{ channel: "whatsapp", outcome: "appointment_booked", hoursAgo: 336 }],
    score: [52, 70, 45, 40, 50],
  },
];

interface AppointmentSeed {
  prospect: string;
  property: string;
  status: AppointmentStatus;
  /** Days from today (UTC) and the hour (UTC): every slot differs, so no rep has two at once. */
  day: number;
  hour: number;
  /** Which of the prospect's conversations booked it. */
  bookedIn: number;
  notes?: string;
}

const APPOINTMENTS: AppointmentSeed[] = [
  {
    prospect: "Layla Hassan",
    property: "Marina Gate Sky Penthouse",
    status: "scheduled",
    day: 2,
    hour: 6,
    bookedIn: 0,
    notes: "Wants to see both terrace levels at sunset; bring the service-charge breakdown.",
  },
  {
    prospect: "Michael Rossi",
    property: "Coconut Grove Garden Townhouse",
    status: "scheduled",
    day: 1,
    hour: 15,
    bookedIn: 0,
    notes: "Coming with his partner; asked about HOA fees and flood zone.",
  },
  {
    prospect: "Aisha Khan",
    property: "Yas Acres Golf Townhouse",
    status: "rescheduled",
    day: 3,
    hour: 7,
    bookedIn: 0,
    notes: "Moved from Tuesday at the prospect's request.",
  },
  {
    prospect: "Daniel Schwartz",
    property: "Central Park South Penthouse",
    status: "scheduled",
    day: 1,
    hour: 19,
    bookedIn: 0,
    notes: "Cash buyer; his attorney may join by video.",
  },
  {
    prospect: "Noura Al Suwaidi",
    property: "Palm Jumeirah Signature Villa",
    status: "scheduled",
    day: 4,
    hour: 8,
    bookedIn: 0,
  },
  {
    prospect: "Carlos Mendes",
    property: "Key Biscayne Waterfront Villa",
    status: "no_show",
    day: -6,
    hour: 16,
    bookedIn: 0,
    notes: "Did not come; rebooked by phone.",
  },
  {
    prospect: "Carlos Mendes",
    property: "Key Biscayne Waterfront Villa",
    status: "scheduled",
    day: 5,
    hour: 16,
    bookedIn: 1,
  },
  {
    prospect: "Priya Nair",
    property: "Dubai Hills Park Townhouse",
    status: "completed",
    day: -12,
    hour: 7,
    bookedIn: 0,
    notes: "Reserved the unit the same day.",
  },
  {
    prospect: "Thomas Müller",
    property: "Corniche Tower Penthouse",
    status: "completed",
    day: -18,
    hour: 6,
    bookedIn: 0,
  },
  {
    prospect: "Sarah Goldberg",
    property: "Upper East Side Townhouse",
    status: "completed",
    day: -25,
    hour: 17,
    bookedIn: 0,
    notes: "Offer accepted after the second viewing.",
  },
  {
    prospect: "Ana Ribeiro",
    property: "Coral Gables Mediterranean Villa",
    status: "no_show",
    day: -9,
    hour: 15,
    bookedIn: 0,
    notes: "No show; stopped answering afterwards.",
  },
];

interface HandoffSeed {
  prospect: string;
  status: HandoffStatus;
  priority: HandoffPriority;
  reason: string;
  nextSteps: string[];
  createdHoursAgo: number;
  /** Time to live from creation: a pending one past it is what the handoff-expiry job expires. */
  ttlHours: number;
  /** For the prospect's first appointment. */
  withAppointment?: boolean;
  claimedBy?: Rep;
  claimedHoursAgo?: number;
  completedHoursAgo?: number;
  createdBy?: Person;
}

const HANDOFFS: HandoffSeed[] = [
  {
    prospect: "Mariam Al Mansoori",
    status: "pending",
    priority: "high",
    reason: "Qualified on the campaign call: high budget and ready to buy within 3 months.",
    nextSteps: ["Call within 2 hours", "Send the Marina Gate floor plans", "Offer a viewing this week"],
    createdHoursAgo: 29,
    ttlHours: 72,
  },
  {
    prospect: "Chen Wei",
    status: "pending",
    priority: "high",
    reason: "Wants to buy as soon as possible and asked to speak to an advisor.",
    nextSteps: ["Reply on WhatsApp today", "Share Saadiyat and Jubail Island villas", "Propose two viewing slots"],
    createdHoursAgo: 47,
    ttlHours: 72,
  },
  {
    prospect: "Michael Rossi",
    status: "pending",
    priority: "medium",
    reason: "Viewing booked by the AI agent; needs a rep to host it.",
    nextSteps: ["Confirm the viewing the day before", "Prepare HOA and flood-zone documents"],
    createdHoursAgo: 70,
    ttlHours: 96,
    withAppointment: true,
    createdBy: "manager",
  },
  {
    prospect: "Fatima Zahra",
    status: "pending",
    priority: "low",
    reason: "Qualified, but plans to buy next year.",
    nextSteps: ["Add to the Yas Island newsletter", "Check in next quarter"],
    createdHoursAgo: 51,
    ttlHours: 48,
  },
  {
    prospect: "Daniel Schwartz",
    status: "pending",
    priority: "high",
    reason: "Cash buyer with a viewing booked; top budget.",
    nextSteps: ["Confirm the viewing", "Send comparable sales on Central Park South", "Prepare the offer process"],
    createdHoursAgo: 46,
    ttlHours: 72,
    withAppointment: true,
  },
  {
    prospect: "Layla Hassan",
    status: "claimed",
    priority: "high",
    reason: "Viewing booked on the campaign call; budget covers the penthouse.",
    nextSteps: ["Host the viewing", "Bring the service-charge breakdown", "Discuss the payment plan"],
    createdHoursAgo: 43,
    ttlHours: 72,
    withAppointment: true,
    claimedBy: "rep1",
    claimedHoursAgo: 20,
  },
  {
    prospect: "Priya Nair",
    status: "completed",
    priority: "medium",
    reason: "Viewing booked; family move within 3 months.",
    nextSteps: ["Host the viewing", "Walk through the payment plan"],
    createdHoursAgo: 380,
    ttlHours: 72,
    withAppointment: true,
    claimedBy: "rep1",
    claimedHoursAgo: 378,
    completedHoursAgo: 270,
  },
];

const CAMPAIGNS = {
  spring: {
    name: "Dubai luxury spring outreach",
    segment: "Dubai prospects with a budget of AED 2M or more",
    status: "active",
    channels: ["phone", "whatsapp"],
    maxAttempts: 3,
    retryDelayMinutes: 120,
  },
  launch: {
    name: "Miami waterfront launch",
    segment: "Miami prospects interested in waterfront homes",
    status: "draft",
    channels: ["phone", "email"],
    maxAttempts: 2,
    retryDelayMinutes: 1440,
  },
  welcome: {
    name: "New-lead welcome sequence",
    segment: "New prospects not yet assigned to a rep",
    status: "paused",
    channels: ["whatsapp", "sms"],
    maxAttempts: 3,
    retryDelayMinutes: 240,
  },
} as const;
/** When the active campaign's run started; its attempts are all after it. */
const RUN_STARTED_HOURS_AGO = 72;

type Speaker = "prospect" | "ai";
type Script = { sentiment: string | null; summary: string; turns: [Speaker, string][] };

const GREETING = "Hello {first}, this is the Frontdesk Realty assistant.";
const QUALIFYING: [Speaker, string][] = [
  ["ai", `${GREETING} You asked about property in {city}: may I ask a few questions so we show you the right homes?`],
  ["prospect", "Sure, go ahead."],
  ["ai", "What budget do you have in mind, and when would you like to move?"],
  ["prospect", "Up to {budget}, and we'd like to move {timeline}."],
  ["ai", "And what kind of home are you looking for?"],
  ["prospect", "{aType} with {bedrooms} bedrooms."],
];

/** What the AI agent and the prospect said, by outcome; `{...}` is filled from the prospect. */
const SCRIPTS: Record<ConversationOutcome | "live", Script> = {
  live: {
    sentiment: null,
    summary: "",
    turns: [
      ["ai", `${GREETING} Thanks for your interest in {city}! Are you looking to buy or to rent?`],
      ["prospect", "Buy. Something near the Marina, around {budget}."],
      ["ai", "Lovely area. How soon would you like to move?"],
    ],
  },
  connected: {
    sentiment: "neutral",
    summary: "{first} is early in their search in {city} and asked for listings to review.",
    turns: [
      ["ai", `${GREETING} You asked about homes in {city}: are you still looking?`],
      ["prospect", "Yes, but I'm only starting. Can you send me a few listings?"],
      ["ai", "Of course. What budget should I keep to?"],
      ["prospect", "Around {budget}. I'll have a look and get back to you."],
    ],
  },
  callback_requested: {
    sentiment: "neutral",
    summary: "{first} was busy and asked for a call back tomorrow after 6 pm.",
    turns: [
      ["ai", `${GREETING} I'm following up on your enquiry about {city}. Is now a good time?`],
      ["prospect", "Not really, I'm at work. Can you call me back tomorrow after 6?"],
      ["ai", "Of course, tomorrow after 6 pm. Anything I should prepare?"],
      ["prospect", "Something with {bedrooms} bedrooms, around {budget}."],
    ],
  },
  qualified: {
    sentiment: "positive",
    summary:
      "{first} wants {aTypeLower} with {bedrooms} bedrooms in {city}, budget up to {budget}, moving {timeline}; {property} suggested and an advisor to follow up.",
    turns: [
      ...QUALIFYING,
      ["ai", "{property} fits that well. I'll ask one of our advisors to call you with more options."],
      ["prospect", "Great, thank you."],
    ],
  },
  appointment_booked: {
    sentiment: "positive",
    summary:
      "{first} wants {aTypeLower} with {bedrooms} bedrooms in {city}, budget up to {budget}, moving {timeline}; booked a viewing of {property} with {rep}.",
    turns: [
      ...QUALIFYING,
      ["ai", "{property} matches all of that. Shall I book you a viewing with {rep}, one of our advisors?"],
      ["prospect", "Yes please."],
      ["ai", "Done: {rep} will meet you at {property}. You'll get a confirmation shortly."],
    ],
  },
  not_interested: {
    sentiment: "negative",
    summary: "{first} has decided not to buy for now and asked not to be contacted again.",
    turns: [
      ["ai", `${GREETING} You downloaded our {city} brochure: are you still thinking of buying?`],
      ["prospect", "No, we've decided to rent for now. Please take me off your list."],
      ["ai", "Understood, {first}. I've noted it and we won't contact you again. Good luck with the move!"],
    ],
  },
  wrong_number: {
    sentiment: "neutral",
    summary: "Wrong number: the person who answered does not know {first}.",
    turns: [
      ["ai", "Hello, am I speaking with {first}? I'm calling from Frontdesk Realty about a property enquiry."],
      ["prospect", "No, there's no {first} here. You have the wrong number."],
      ["ai", "My apologies for the trouble. I'll correct our records."],
    ],
  },
  voicemail: {
    sentiment: null,
    summary: "Voicemail: left a message for {first} about their {city} enquiry.",
    turns: [
      [
        "ai",
        `${GREETING} Returning your enquiry about homes in {city}: I'll try again later, or call us back any time.`,
      ],
    ],
  },
  no_answer: { sentiment: null, summary: "The call to {first} was not answered.", turns: [] },
  busy: { sentiment: null, summary: "The line was busy.", turns: [] },
  failed: { sentiment: null, summary: "The call could not be placed.", turns: [] },
};

const CHANNEL_LABELS: Record<SalesChannel, string> = {
  phone: "Call",
  whatsapp: "WhatsApp",
  sms: "SMS",
  email: "Email",
};
const SPEAKER_LABELS: Record<Speaker, string> = { prospect: "Prospect", ai: "AI agent" };
const PLAN = [
  "Greet {first} and confirm interest",
  "Qualify budget, timeline and type of home",
  "Suggest matching listings",
  "Book a viewing",
  "Hand off to an advisor",
];
type StepStatus = (typeof agentPlanSteps.$inferInsert)["status"];
const PLAN_STATUSES: Partial<Record<ConversationOutcome | "live", StepStatus[]>> = {
  live: ["completed", "in_progress", "pending", "pending", "pending"],
  qualified: ["completed", "completed", "completed", "skipped", "completed"],
  appointment_booked: ["completed", "completed", "completed", "completed", "pending"],
};

const money = (amount: number) => amount.toFixed(2);
const formatMoney = (amount: number, currency: string) =>
  `${currency === "USD" ? "$" : `${currency} `}${amount.toLocaleString("en-US")}`;
const fill = (text: string, values: Record<string, string>) =>
  text.replace(/\{(\w+)\}/g, (whole, key: string) => values[key] ?? whole);
const article = (word: string) => (/^[aeiou]/.test(word) ? `an ${word}` : `a ${word}`);
const capitalized = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
const emailOf = (name: string) =>
  `${name
    .normalize("NFD")
    .toLowerCase()
    .replace(/[^a-z ]/g, "")
    .replace(/ +/g, ".")}@example.com`;
const DIALING = { Dubai: "+97150555", "Abu Dhabi": "+97150555", Miami: "+1305555", "New York": "+1212555" } as const;
const slug = (name: string) => name.toLowerCase().replace(/[^a-z]+/g, "-");

/** Available listings for a prospect, best first: same city, within the budget, the type, then the bedrooms, they asked for. */
function suggestionsFor(prospect: ProspectSeed): PropertySeed[] {
  const rank = (property: PropertySeed) =>
    (property.type === prospect.type ? 0 : 100) +
    Math.abs(property.bedrooms - (prospect.bedrooms ?? property.bedrooms));
  return PROPERTIES.filter(
    (property) =>
      property.status === "available" &&
      property.city === prospect.city &&
      prospect.budget !== null &&
      property.price[0] <= prospect.budget,
  ).sort((a, b) => rank(a) - rank(b) || b.price[0] - a.price[0]);
}

/** The first active rule whose conditions all hold (ROUTING_RULES is in priority order). */
function ruleFor(prospect: ProspectSeed): RuleSeed | undefined {
  return ROUTING_RULES.find(
    (rule) =>
      rule.isActive !== false &&
      (rule.cities.length === 0 || rule.cities.includes(prospect.city.toLowerCase())) &&
      (rule.minBudget === undefined || (prospect.budget ?? -1) >= rule.minBudget) &&
      (rule.maxBudget === undefined || (prospect.budget !== null && prospect.budget <= rule.maxBudget)) &&
      (rule.channels.length === 0 || rule.channels.includes(prospect.channel)),
  );
}

/** Every row, planned with its id before anything is written. */
function plan(tenantId: string, ids: Record<Person, string>, now: number) {
  const today = Math.floor(now / DAY) * DAY;
  const at = (hoursAgo: number) => new Date(now - hoursAgo * HOUR);
  const propertyIds = new Map(PROPERTIES.map((property) => [property.name, randomUUID()]));
  const ruleIds = new Map(ROUTING_RULES.map((rule) => [rule.name, randomUUID()]));
  const campaignIds = { spring: randomUUID(), launch: randomUUID(), welcome: randomUUID() };
  const runId = randomUUID();
  const runStartedAt = at(RUN_STARTED_HOURS_AGO);

  const propertyRows = PROPERTIES.map((property, i) => {
    const createdAt = new Date(now - (40 + ((i * 7) % 50)) * DAY);
    return {
      id: propertyIds.get(property.name)!,
      tenantId,
      name: property.name,
      city: property.city,
      priceMin: money(property.price[0]),
      priceMax: property.price[1] === undefined ? null : money(property.price[1]),
      currency: CURRENCIES[property.city],
      bedrooms: property.bedrooms,
      type: property.type,
      status: property.status,
      imageUrl: `https://demo.frontdesk.dev/media/properties/${slug(property.name)}.jpg`,
      description: property.description,
      features: property.features,
      createdAt,
      updatedAt: createdAt,
    };
  });
  const suggestion = (property: PropertySeed) => {
    const row = propertyRows.find((candidate) => candidate.name === property.name)!;
    const { id, name, city, type, bedrooms, priceMin, priceMax, currency } = row;
    return { id, name, city, type, bedrooms, priceMin, priceMax, currency };
  };

  // Routing as the rules would have done it: round robin over each rule's active reps.
  const assignments = new Map<string, number>();
  const routed = PROSPECTS.map((prospect) => {
    if (prospect.assignee !== undefined) return { rep: prospect.assignee, rule: undefined };
    const rule = ruleFor(prospect)!;
    const reps = rule.reps.filter((rep) => ACTIVE_REPS[rep]);
    const count = assignments.get(rule.name) ?? 0;
    assignments.set(rule.name, count + 1);
    return { rep: reps[count % reps.length]!, rule };
  });

  const prospectRows = PROSPECTS.map((prospect, i) => {
    const phone = `${DIALING[prospect.city]}${String(100 + i).padStart(4, "0")}`;
    const firstContact = Math.max(...(prospect.conversations ?? []).map((c) => c.hoursAgo), 96);
    const lastContact = Math.min(...(prospect.conversations ?? []).map((c) => c.hoursAgo), firstContact);
    const { rep, rule } = routed[i]!;
    return {
      id: randomUUID(),
      tenantId,
      name: prospect.name,
      email: emailOf(prospect.name),
      phone,
      whatsapp: prospect.channel === "whatsapp" || DIALING[prospect.city].startsWith("+971") ? phone : null,
      budget: prospect.budget === null ? null : money(prospect.budget),
      city: prospect.city,
      timeline: prospect.timeline,
      preferredPropertyType: prospect.type,
      bedrooms: prospect.bedrooms,
      status: prospect.status,
      assignedTo: rep ? ids[rep] : null,
      routingRuleId: rule ? ruleIds.get(rule.name)! : null,
      preferredChannel: prospect.channel,
      createdAt: at(firstContact + 6 + ((i * 53) % 720) / 60),
      updatedAt: at(lastContact),
    };
  });
  const prospectByName = new Map(
    PROSPECTS.map((prospect, i) => [prospect.name, { seed: prospect, row: prospectRows[i]! }]),
  );

  const ruleRows = ROUTING_RULES.map((rule) => ({
    id: ruleIds.get(rule.name)!,
    tenantId,
    name: rule.name,
    priority: rule.priority,
    isActive: rule.isActive ?? true,
    cities: rule.cities,
    minBudget: rule.minBudget === undefined ? null : money(rule.minBudget),
    maxBudget: rule.maxBudget === undefined ? null : money(rule.maxBudget),
    channels: rule.channels,
    repIds: rule.reps.map((rep) => ids[rep]),
    assignmentCount: assignments.get(rule.name) ?? 0,
    createdAt: new Date(now - 60 * DAY),
    updatedAt: new Date(now - 60 * DAY),
  }));

  const appointmentIds = APPOINTMENTS.map(() => randomUUID());
  const bookedBy = new Map(
    APPOINTMENTS.map((appointment, i) => [`${appointment.prospect}#${appointment.bookedIn}`, i]),
  );

  const conversationRows: (typeof conversations.$inferInsert & { id: string })[] = [];
  const messageRows: (typeof messages.$inferInsert)[] = [];
  const linkRows: (typeof prospectConversations.$inferInsert)[] = [];
  const actionRows: (typeof agentActions.$inferInsert)[] = [];
  const entityRows: (typeof detectedEntities.$inferInsert)[] = [];
  const scoreRows: (typeof qualificationScores.$inferInsert)[] = [];
  const stepRows: (typeof agentPlanSteps.$inferInsert)[] = [];
  const leadRows: (typeof queuedLeads.$inferInsert)[] = [];
  /** Each prospect's conversations, in seed order, with what a hand-off copies from them. */
  const conversationsOf = new Map<
    string,
    { id: string; channel: SalesChannel; summary: string; transcript: string[] }[]
  >();

  for (const [i, prospect] of PROSPECTS.entries()) {
    const row = prospectRows[i]!;
    const rep = routed[i]!.rep;
    const currency = CURRENCIES[prospect.city];
    const leadId = prospect.lead ? randomUUID() : undefined;
    const top = suggestionsFor(prospect)[0];
    const attempts: { at: Date; outcome?: ConversationOutcome }[] = [];
    const own: { id: string; channel: SalesChannel; summary: string; transcript: string[] }[] = [];

    for (const [c, seed] of (prospect.conversations ?? []).entries()) {
      const id = randomUUID();
      const script = SCRIPTS[seed.outcome ?? "live"];
      const booked = bookedBy.get(`${prospect.name}#${c}`);
      const property = booked === undefined ? top?.name : APPOINTMENTS[booked]!.property;
      const values: Record<string, string> = {
        first: prospect.name.split(" ")[0]!,
        city: prospect.city,
        budget: prospect.budget === null ? "" : formatMoney(prospect.budget, currency),
        timeline: prospect.timeline ?? "",
        aType: prospect.type ? capitalized(article(prospect.type)) : "",
        aTypeLower: prospect.type ? article(prospect.type) : "",
        bedrooms: String(prospect.bedrooms ?? ""),
        property: property ?? "one of our listings",
        rep: rep ? SALES_USERS[rep].name.split(" ")[0]! : "an advisor",
      };
      // Calls move in seconds, messages in minutes; the live one is still going, so it ends before now.
      const phone = seed.channel === "phone";
      const startedAt = now - seed.hoursAgo * HOUR;
      let time = startedAt;
      const transcript: string[] = [];
      for (const [t, [speaker, text]] of script.turns.entries()) {
        time +=
          t === 0
            ? 0
            : phone
              ? (6 + ((i + t * 7) % 11)) * 1000
              : (speaker === "ai" ? 5 : 60 + ((i * 13 + t * 29) % 180)) * 1000;
        const timestamp = new Date(time);
        const inbound = speaker === "prospect";
        const waiting = !seed.outcome && t === script.turns.length - 1;
        const body = fill(text, values);
        transcript.push(`${SPEAKER_LABELS[speaker]}: ${body}`);
        messageRows.push({
          tenantId,
          conversationId: id,
          direction: inbound ? "inbound" : "outbound",
          sender: inbound ? "customer" : "ai",
          text: body,
          status: waiting ? "delivered" : "read",
          sentAt: timestamp,
          deliveredAt: timestamp,
          readAt: waiting ? null : new Date(time + (inbound ? 2000 : 20_000)),
          timestamp,
          createdAt: timestamp,
          updatedAt: timestamp,
        });
      }
      const ended = seed.outcome !== undefined;
      const durationSeconds = !ended
        ? null
        : seed.outcome === "voicemail"
          ? 25
          : script.turns.length === 0
            ? 0
            : Math.round((time - startedAt) / 1000) + (phone ? 12 : 0);
      const endedAt = new Date(startedAt + (durationSeconds ?? 0) * 1000);
      const summary = fill(script.summary, values);
      conversationRows.push({
        id,
        tenantId,
        channelType: seed.channel,
        assigneeId: ended && rep ? ids[rep] : null,
        subject: `${CHANNEL_LABELS[seed.channel]} with ${prospect.name}`,
        status: ended ? "resolved" : "open",
        tags: seed.campaign ? ["sales", "campaign"] : ["sales"],
        startedAt: new Date(startedAt),
        lastMessageAt: script.turns.length > 0 ? new Date(time) : null,
        messageCount: script.turns.length,
        outcome: seed.outcome ?? null,
        sentiment: script.sentiment,
        summary: ended ? summary : null,
        transcript: ended && transcript.length > 0 ? transcript.join("\n") : null,
        durationSeconds,
        aiConfidence: script.turns.length > 0 ? (72 + ((i * 37 + c * 11) % 25)) / 100 : null,
        handoffSuggested: seed.outcome === "qualified" || seed.outcome === "appointment_booked",
        createdAt: new Date(startedAt),
        updatedAt: ended ? endedAt : new Date(time),
      });
      linkRows.push({
        conversationId: id,
        tenantId,
        prospectId: row.id,
        campaignId: seed.campaign ? campaignIds.spring : null,
        campaignRunId: seed.campaign ? runId : null,
        queuedLeadId: seed.campaign ? leadId : null,
        isLive: !ended,
        stage:
          !ended || seed.outcome === "qualified"
            ? "qualification"
            : seed.outcome === "appointment_booked"
              ? "booking"
              : "outreach",
        state: ended ? null : { collected: { city: prospect.city, budget: prospect.budget }, nextQuestion: "timeline" },
        endedAt: ended ? endedAt : null,
        createdAt: new Date(startedAt),
        updatedAt: ended ? endedAt : new Date(time),
      });
      if (seed.campaign) attempts.push({ at: new Date(startedAt), outcome: seed.outcome });
      own.push({ id, channel: seed.channel, summary, transcript });

      // What the AI agent recorded: its actions, what it heard, its score and plan.
      const record = { tenantId, conversationId: id, prospectId: row.id };
      const opened = phone
        ? { type: "call_placed", description: `Called ${row.phone}` }
        : { type: "message_sent", description: `Sent the opening message by ${CHANNEL_LABELS[seed.channel]}` };
      actionRows.push({ ...record, ...opened, occurredAt: new Date(startedAt), createdAt: new Date(startedAt) });
      const later = (type: string, description: string, payload?: Record<string, unknown>) =>
        actionRows.push({ ...record, type, description, payload, occurredAt: endedAt, createdAt: endedAt });
      if (seed.outcome === "voicemail") later("voicemail_left", "Left a voicemail");
      if (seed.outcome === "not_interested") later("opted_out", `Marked ${values.first} as not to be contacted`);
      if ((seed.outcome === "qualified" || seed.outcome === "appointment_booked") && property) {
        later("properties_suggested", `Suggested ${property}`, { propertyIds: [propertyIds.get(property)!] });
      }
      if (booked !== undefined) {
        const appointment = APPOINTMENTS[booked]!;
        later("appointment_booked", `Booked a viewing of ${appointment.property}`, {
          appointmentId: appointmentIds[booked],
          scheduledAt: new Date(today + appointment.day * DAY + appointment.hour * HOUR).toISOString(),
        });
      }
      if (seed.outcome === "qualified") later("handoff_suggested", "Asked for an advisor to follow up");

      const heard: [(typeof detectedEntities.$inferInsert)["type"], string | null][] =
        seed.outcome === "qualified" || seed.outcome === "appointment_booked"
          ? [
              ["budget", prospect.budget === null ? null : String(prospect.budget)],
              ["timeline", prospect.timeline],
              ["city", prospect.city],
              ["property_type", prospect.type],
              ["bedrooms", prospect.bedrooms === null ? null : String(prospect.bedrooms)],
            ]
          : !ended || seed.outcome === "connected" || seed.outcome === "callback_requested"
            ? [
                ["city", prospect.city],
                ["budget", prospect.budget === null ? null : String(prospect.budget)],
              ]
            : [];
      for (const [e, [type, value]] of heard.entries()) {
        if (value === null) continue;
        const detectedAt = new Date(startedAt + (e + 1) * 15_000);
        entityRows.push({ ...record, type, value, confidence: (85 + ((i + e * 3) % 14)) / 100, detectedAt });
      }
      const isLatestScored = prospect.score && c === prospect.conversations!.length - 1;
      if (isLatestScored) {
        const [overall, budget, timeline, intent, engagement] = prospect.score!;
        const notes = `${values.aType || "A home"} in ${prospect.city}, moving ${prospect.timeline ?? "when ready"}.`;
        scoreRows.push({ ...record, overall, budget, timeline, intent, engagement, notes, scoredAt: endedAt });
      }
      const steps = PLAN_STATUSES[seed.outcome ?? "live"];
      for (const [position, status] of (steps ?? []).entries()) {
        const stepAt = new Date(startedAt);
        stepRows.push({
          ...record,
          position,
          description: fill(PLAN[position]!, values),
          status,
          createdAt: stepAt,
          updatedAt: ended ? endedAt : stepAt,
        });
      }
    }
    conversationsOf.set(prospect.name, own);

    const queue = (campaignId: string, id: string | undefined, status: QueuedLeadStatus, nextAttemptAt: Date) => {
      const last = attempts.at(-1);
      leadRows.push({
        id,
        tenantId,
        campaignId,
        prospectId: row.id,
        status,
        attempts: attempts.length,
        nextAttemptAt,
        claimedUntil: status === "contacting" ? new Date(now + 10 * MINUTE) : null,
        runId: last ? runId : null,
        lastAttemptAt: last?.at ?? null,
        result: last?.outcome ?? null,
        createdAt: new Date(runStartedAt.getTime() - HOUR),
        updatedAt: last?.at ?? new Date(runStartedAt.getTime() - HOUR),
      });
    };
    if (prospect.lead) {
      const { status, nextAttemptMinutes } = prospect.lead;
      const next = nextAttemptMinutes === undefined ? attempts.at(-1)!.at : new Date(now + nextAttemptMinutes * MINUTE);
      queue(campaignIds.spring, leadId, status, next);
    }
    if (prospect.pausedLead) queue(campaignIds.welcome, undefined, "queued", new Date(now - 2 * DAY));
  }

  const appointmentRows = APPOINTMENTS.map((appointment, i) => {
    const { seed, row } = prospectByName.get(appointment.prospect)!;
    const booking = linkRows.find(
      (link) => link.conversationId === conversationsOf.get(appointment.prospect)![appointment.bookedIn]!.id,
    )!;
    return {
      id: appointmentIds[i]!,
      tenantId,
      prospectId: row.id,
      propertyId: propertyIds.get(appointment.property)!,
      assignedRepId: row.assignedTo,
      conversationId: booking.conversationId,
      scheduledAt: new Date(today + appointment.day * DAY + appointment.hour * HOUR),
      durationMinutes: 60,
      location: `${appointment.property}, ${seed.city}`,
      status: appointment.status,
      notes: appointment.notes ?? null,
      sourceChannel: seed.channel,
      createdAt: booking.endedAt!,
      updatedAt: booking.endedAt!,
    };
  });

  const handoffRows = HANDOFFS.map((handoff) => {
    const { seed, row } = prospectByName.get(handoff.prospect)!;
    const source = conversationsOf.get(handoff.prospect)!.at(-1)!;
    const [overall, budget, timeline, intent, engagement] = seed.score!;
    const appointment = handoff.withAppointment
      ? appointmentRows.find((candidate) => candidate.prospectId === row.id)
      : undefined;
    const currency = CURRENCIES[seed.city];
    const createdAt = at(handoff.createdHoursAgo);
    return {
      tenantId,
      conversationId: source.id,
      prospectId: row.id,
      appointmentId: appointment?.id ?? null,
      prospectName: row.name,
      prospectPhone: row.phone,
      prospectEmail: row.email,
      prospectWhatsapp: row.whatsapp,
      priority: handoff.priority,
      reason: handoff.reason,
      summary: source.summary,
      detectedNeeds: [
        `Budget up to ${formatMoney(seed.budget!, currency)}`,
        `${capitalized(article(seed.type!))} with ${seed.bedrooms} bedrooms`,
        `In ${seed.city}`,
        `Moving ${seed.timeline}`,
      ],
      suggestedProperties: suggestionsFor(seed).slice(0, 3).map(suggestion),
      qualificationScore: { overall, budget, timeline, intent, engagement },
      conversationContext: source.transcript.slice(-4).join("\n"),
      nextSteps: handoff.nextSteps,
      status: handoff.status,
      claimedBy: handoff.claimedBy ? ids[handoff.claimedBy] : null,
      claimedAt: handoff.claimedHoursAgo === undefined ? null : at(handoff.claimedHoursAgo),
      completedAt: handoff.completedHoursAgo === undefined ? null : at(handoff.completedHoursAgo),
      expiresAt: new Date(createdAt.getTime() + handoff.ttlHours * HOUR),
      sourceChannel: source.channel,
      suggestedFollowUpChannel: seed.channel,
      createdBy: handoff.createdBy ? ids[handoff.createdBy] : null,
      createdAt,
      updatedAt: at(handoff.completedHoursAgo ?? handoff.claimedHoursAgo ?? handoff.createdHoursAgo),
    };
  });

  const campaignRows = (Object.keys(CAMPAIGNS) as (keyof typeof CAMPAIGNS)[]).map((key, i) => {
    const createdAt = new Date(now - (10 - i * 3) * DAY);
    return {
      ...CAMPAIGNS[key],
      channels: [...CAMPAIGNS[key].channels],
      id: campaignIds[key],
      tenantId,
      createdBy: ids.manager,
      createdAt,
      updatedAt: key === "spring" ? runStartedAt : createdAt,
    };
  });

  return {
    propertyRows,
    ruleRows,
    prospectRows,
    campaignRows,
    runRow: {
      id: runId,
      tenantId,
      campaignId: campaignIds.spring,
      status: "running" as const,
      startedBy: ids.manager,
      startedAt: runStartedAt,
      createdAt: runStartedAt,
    },
    leadRows,
    conversationRows,
    messageRows,
    linkRows,
    actionRows,
    entityRows,
    scoreRows,
    stepRows,
    appointmentRows,
    handoffRows,
  };
}

const managerExists = (db: Database) =>
  db.select({ id: users.id }).from(users).where(sql`lower(${users.email}) = ${SALES_USERS.manager.email}`);

/** Adds the sales demo to the demo tenant, in one transaction. True when it added it; false when it was there. */
export async function seed(db: Database, demo: DemoCredentials): Promise<boolean> {
  // `npm start` prints the demo's logins: the sales team's too, whether this run adds them or not.
  const listed = new Set(demo.users.map((user) => user.email));
  for (const { email, role } of Object.values(SALES_USERS)) {
    if (!listed.has(email)) demo.users.push({ email, password: DEMO_PASSWORD, role });
  }
  if ((await managerExists(db)).length > 0) return false;
  const people = Object.entries(SALES_USERS) as [Person, (typeof SALES_USERS)[Person]][];
  // Hashing is the slow part (~0.4 s each at production cost): only on the run that inserts.
  const hashes = await Promise.all(people.map(() => hashPassword(DEMO_PASSWORD)));
  const ids = Object.fromEntries(people.map(([key]) => [key, randomUUID()])) as Record<Person, string>;
  const { tenantId } = demo;
  const rows = plan(tenantId, ids, Date.now());

  return db.transaction(async (tx) => {
    // A seed running at the same time waits here for the other's commit, then finds its users and stops.
    const inserted = await tx
      .insert(users)
      .values(people.map(([key, user], i) => ({ ...user, id: ids[key], tenantId, passwordHash: hashes[i]! })))
      .onConflictDoNothing()
      .returning({ id: users.id });
    if (inserted.length === 0) return false;
    if (inserted.length < people.length) {
      throw new Error(
        `Some of the demo sales users' emails (${people.map(([, user]) => user.email).join(", ")}) are taken`,
      );
    }
    await tx
      .insert(salesReps)
      .values(
        (["rep1", "rep2", "rep3"] as const).map((rep) => ({ tenantId, userId: ids[rep], isActive: ACTIVE_REPS[rep] })),
      );
    await tx.insert(properties).values(rows.propertyRows);
    await tx.insert(routingRules).values(rows.ruleRows);
    await tx.insert(prospects).values(rows.prospectRows);
    await tx.insert(campaigns).values(rows.campaignRows);
    await tx.insert(campaignRuns).values(rows.runRow);
    await tx.insert(queuedLeads).values(rows.leadRows);
    await tx.insert(conversations).values(rows.conversationRows);
    await tx.insert(messages).values(rows.messageRows);
    await tx.insert(prospectConversations).values(rows.linkRows);
    await tx.insert(agentActions).values(rows.actionRows);
    await tx.insert(detectedEntities).values(rows.entityRows);
    await tx.insert(qualificationScores).values(rows.scoreRows);
    await tx.insert(agentPlanSteps).values(rows.stepRows);
    await tx.insert(appointments).values(rows.appointmentRows);
    await tx.insert(handoffPackages).values(rows.handoffRows);
    await tx.insert(integrations).values([
      {
        tenantId,
        name: "Salesforce",
        type: "crm",
        status: "connected",
        lastSync: new Date(Date.now() - 12 * MINUTE),
        config: {
          instanceUrl: "https://demo-frontdesk.my.salesforce.com",
          objects: ["Lead", "Contact", "Opportunity"],
        },
      },
      { tenantId, name: "Google Calendar", type: "calendar", status: "disconnected", config: { calendar: "Viewings" } },
    ]);
    return true;
  });
}
