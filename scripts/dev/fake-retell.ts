import type Retell from "retell-sdk";

/**
 * An in-memory Retell account that answers the HTTP API the way Retell does, for the endpoints
 * Frontdesk calls: `POST /v3/list-calls` (filter_criteria by agent and start_timestamp,
 * sort_order, limit, pagination_key → `{ items, has_more, pagination_key }`, items without
 * transcripts), `GET /v2/get-call/:id` (the whole call) and `GET /get-agent/:id`. Tests put it
 * behind msw (`retellServer`, through tests/helpers/retell-msw.ts); `npm run retell:mock` serves
 * it over HTTP for trying the API by hand; `npm run bench` syncs from it. Failures can be injected
 * per path. Dev-only, like all of scripts/dev/: never imported by production code (lint checks it).
 */
export type FakeCall = Retell.PhoneCallResponse;

interface Failure {
  path: string;
  status: number;
  /** Matching requests let through before failing. */
  skip: number;
  /** How many requests fail, then it passes again. */
  times: number;
}

const LIST_ONLY_FIELDS = [
  "transcript",
  "transcript_object",
  "transcript_with_tool_calls",
  "scrubbed_transcript_with_tool_calls",
] as const;

const SENTIMENTS = ["Positive", "Neutral", "Negative", "Unknown"] as const;
const REASONS = ["user_hangup", "agent_hangup", "call_transfer", "voicemail_reached"] as const;

export class FakeRetell {
  readonly calls = new Map<string, FakeCall>();
  readonly agents = new Map<string, { agent_id: string; agent_name: string; version: number }>();
  /** Every request served, in order: method and path, and the body of list requests. */
  readonly requests: { method: string; path: string; body?: Record<string, any> }[] = [];
  private failures: Failure[] = [];
  private sequence = 0;
  /** Added to every answer, to make a run meet its deadline. */
  latencyMs = 0;

  constructor(readonly apiKey = "key_fake_retell_0123456789") {}

  addAgent(agentId: string, agentName: string) {
    this.agents.set(agentId, { agent_id: agentId, agent_name: agentName, version: 1 });
    return this;
  }

  /**
   * Adds `count` ended, analysed calls of an agent, a minute apart from `start` (epoch ms).
   * `overrides` can shape each one (status, cost, sentiment...).
   */
  addCalls(
    count: number,
    options: { agentId: string; start?: number; spacingMs?: number; overrides?: (index: number) => Partial<FakeCall> },
  ): FakeCall[] {
    const start = options.start ?? Date.UTC(2026, 10, 1, 9);
    const added: FakeCall[] = [];
    for (let index = 0; index < count; index++) {
      const call = this.makeCall(options.agentId, start + index * (options.spacingMs ?? 60_000), index);
      Object.assign(call, options.overrides?.(index));
      this.calls.set(call.call_id, call);
      added.push(call);
    }
    return added;
  }

  makeCall(agentId: string, startTimestamp: number, index = this.sequence): FakeCall {
    const id = ++this.sequence;
    const durationMs = 30_000 + ((id * 7919) % 300) * 1000;
    const agent = this.agents.get(agentId);
    return {
      call_id: `call_${id.toString(16).padStart(8, "0")}${"0".repeat(24)}`,
      call_type: "phone_call",
      agent_id: agentId,
      ...(agent ? { agent_name: agent.agent_name } : {}),
      agent_version: 1,
      call_status: "ended",
      direction: index % 3 === 0 ? "outbound" : "inbound",
      from_number: `+1415555${String(1000 + (id % 9000)).padStart(4, "0")}`,
      to_number: "+14155550100",
      start_timestamp: startTimestamp,
      end_timestamp: startTimestamp + durationMs,
      duration_ms: durationMs,
      transcript: `Agent: Thanks for calling, how can I help?\nUser: I'd like to book an appointment (${id}).\n`,
      transcript_object: [
        { role: "agent", content: "Thanks for calling, how can I help?", words: [] },
        { role: "user", content: `I'd like to book an appointment (${id}).`, words: [] },
      ],
      recording_url: `https://dxc03zgurdly9.cloudfront.net/${id}/recording.wav`,
      public_log_url: `https://dxc03zgurdly9.cloudfront.net/${id}/public.log`,
      disconnection_reason: REASONS[id % REASONS.length],
      call_cost: {
        combined_cost: Math.round(durationMs / 600) / 10,
        product_costs: [{ product: "elevenlabs_tts", unit_price: 0.1167, cost: Math.round(durationMs / 600) / 10 }],
        total_duration_seconds: Math.round(durationMs / 1000),
        total_duration_unit_price: 0.1167,
      },
      call_analysis: {
        call_summary: `The caller asked to book an appointment (${id}).`,
        user_sentiment: SENTIMENTS[id % SENTIMENTS.length],
        call_successful: id % 4 !== 0,
        in_voicemail: false,
        custom_analysis_data: { intent: "booking" },
      },
      metadata: { source: "fake-retell" },
    } as FakeCall;
  }

  /** Changes a stored call, as Retell does when a call ends or its analysis arrives. */
  update(callId: string, change: Partial<FakeCall>) {
    const call = this.calls.get(callId);
    if (!call) throw new Error(`no call ${callId}`);
    Object.assign(call, change);
  }

  /** The next `times` requests to `path` (after `skip` that pass) answer `status`. */
  fail(path: string, status: number, options: { times?: number; skip?: number } = {}) {
    this.failures.push({ path, status, times: options.times ?? 1, skip: options.skip ?? 0 });
    return this;
  }

  count(path: string) {
    return this.requests.filter((request) => request.path.startsWith(path)).length;
  }

  async handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const body =
      request.method === "POST" ? ((await request.json().catch(() => ({}))) as Record<string, any>) : undefined;
    this.requests.push({ method: request.method, path: url.pathname, body });
    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
    if (request.headers.get("authorization") !== `Bearer ${this.apiKey}`) {
      return Response.json({ status: 401, message: "Unauthorized: invalid API key" }, { status: 401 });
    }
    const failure = this.failures.find((f) => url.pathname.startsWith(f.path) && f.times > 0);
    if (failure) {
      if (failure.skip > 0) failure.skip--;
      else {
        failure.times--;
        // retry-after-ms is honoured by the SDK; it keeps the retries of a test short.
        return Response.json(
          { status: failure.status, message: failure.status === 429 ? "Too many requests" : "Internal server error" },
          { status: failure.status, headers: { "retry-after-ms": "5" } },
        );
      }
    }
    if (request.method === "POST" && url.pathname === "/v3/list-calls") return Response.json(this.list(body ?? {}));
    const call = /^\/v2\/get-call\/([^/]+)$/.exec(url.pathname);
    if (request.method === "GET" && call) {
      const found = this.calls.get(decodeURIComponent(call[1] ?? ""));
      return found ? Response.json(found) : Response.json({ message: "Call not found" }, { status: 404 });
    }
    const agent = /^\/get-agent\/([^/]+)$/.exec(url.pathname);
    if (request.method === "GET" && agent) {
      const found = this.agents.get(decodeURIComponent(agent[1] ?? ""));
      return found
        ? Response.json({ ...found, last_modification_timestamp: Date.UTC(2026, 0, 1), is_published: true })
        : Response.json({ message: "Agent not found" }, { status: 404 });
    }
    return Response.json({ message: `No route ${request.method} ${url.pathname}` }, { status: 404 });
  }

  private list(body: Record<string, any>) {
    const filter = body.filter_criteria ?? {};
    const agentIds: string[] | undefined = filter.agent?.map((agent: { agent_id: string }) => agent.agent_id);
    const start = filter.start_timestamp as { op: string; value: number | number[] } | undefined;
    const ascending = body.sort_order === "ascending";
    const limit = Math.min(Number(body.limit ?? 50), 1000);
    const order = (a: FakeCall, b: FakeCall) =>
      (ascending ? 1 : -1) *
      ((a.start_timestamp ?? 0) - (b.start_timestamp ?? 0) || a.call_id.localeCompare(b.call_id));
    let matching = [...this.calls.values()]
      .filter((call) => !agentIds || agentIds.includes(call.agent_id))
      .filter((call) => !start || matchesNumber(call.start_timestamp, start))
      .sort(order);
    // The key names the last item served; the next page starts after it in the same order.
    if (body.pagination_key) {
      const [ts, id] = JSON.parse(Buffer.from(body.pagination_key, "base64url").toString()) as [number, string];
      const after = { start_timestamp: ts, call_id: id } as FakeCall;
      matching = matching.filter((call) => order(call, after) > 0);
    }
    const items = matching.slice(0, limit).map(listItem);
    const last = items.at(-1);
    const hasMore = matching.length > limit;
    return {
      items,
      has_more: hasMore,
      ...(hasMore && last
        ? { pagination_key: Buffer.from(JSON.stringify([last.start_timestamp, last.call_id])).toString("base64url") }
        : {}),
    };
  }
}

/** A list item: the call without its transcripts, as `list-calls` returns it. */
function listItem(call: FakeCall) {
  const item: Record<string, unknown> = { ...call };
  for (const field of LIST_ONLY_FIELDS) delete item[field];
  return item;
}

function matchesNumber(value: number | undefined, filter: { op: string; value: number | number[] }): boolean {
  if (value === undefined) return false;
  const [low, high] = Array.isArray(filter.value) ? filter.value : [filter.value, filter.value];
  switch (filter.op) {
    case "eq":
      return value === low;
    case "ne":
      return value !== low;
    case "gt":
      return value > (low ?? 0);
    case "ge":
      return value >= (low ?? 0);
    case "lt":
      return value < (low ?? 0);
    case "le":
      return value <= (low ?? 0);
    case "bt":
      return value >= (low ?? 0) && value <= (high ?? 0);
    default:
      throw new Error(`unsupported filter op ${filter.op}`);
  }
}
