/**
 * `npm run retell:mock`: a stand-in for Retell's API on http://localhost:8899, for trying the
 * receptionist dashboard without a Retell account. It serves the in-memory Retell the tests use
 * (scripts/dev/fake-retell.ts: list-calls, get-call, get-agent, Retell's shapes) with a demo
 * agent and two weeks of calls, and can play Retell's part in a webhook:
 *
 *   POST /_mock/calls?count=N          adds N calls that started just now (listed on the next sync)
 *   POST /_mock/webhook/<callId>?event=call_analyzed
 *                                      sends that call to WEBHOOK_URL signed with the mock's key,
 *                                      as Retell does, and answers what Frontdesk answered
 *
 * Run Frontdesk against it with RETELL_BASE_URL=http://localhost:8899 npm start.
 */
import Retell from "retell-sdk";
import { FakeRetell } from "./dev/fake-retell";
import { serveMock } from "./dev/mock-server";

const port = Number(process.env.RETELL_MOCK_PORT ?? 8899);
const webhookUrl = process.env.WEBHOOK_URL ?? "http://localhost:8888/api/webhooks/retell";
const apiKey = "key_retell_mock_local_only";
const agentId = "agent_demo_front_desk";
const DAY = 86_400_000;

const retell = new FakeRetell(apiKey).addAgent(agentId, "Demo front desk");
retell.addCalls(250, { agentId, start: Date.now() - 14 * DAY, spacingMs: (14 * DAY) / 250 });

async function control(request: Request, url: URL): Promise<Response | undefined> {
  if (request.method !== "POST") return undefined;
  if (url.pathname === "/_mock/calls") {
    const count = Math.min(1000, Math.max(1, Number(url.searchParams.get("count") ?? 1)));
    const added = retell.addCalls(count, { agentId, start: Date.now() - count * 60_000 });
    return Response.json({ added: added.map((call) => call.call_id) });
  }
  const webhook = /^\/_mock\/webhook\/([^/]+)$/.exec(url.pathname);
  if (webhook) {
    const call = retell.calls.get(decodeURIComponent(webhook[1] ?? ""));
    if (!call) return Response.json({ message: "No such call" }, { status: 404 });
    const body = JSON.stringify({ event: url.searchParams.get("event") ?? "call_analyzed", call });
    const answer = await fetch(webhookUrl, {
      method: "POST",
      headers: { "content-type": "application/json", "x-retell-signature": await Retell.sign(body, apiKey) },
      body,
    });
    return Response.json({ sentTo: webhookUrl, status: answer.status, answer: await answer.json().catch(() => null) });
  }
  return undefined;
}

const handle = async (request: Request) =>
  (await control(request, new URL(request.url))) ?? (await retell.handle(request));

serveMock(port, handle, () => {
  const example = [...retell.calls.keys()].at(-1);
  console.log(`Mock Retell API on http://localhost:${port}: agent ${agentId}, ${retell.calls.size} calls
  API key   ${apiKey}

With Frontdesk started as RETELL_BASE_URL=http://localhost:${port} npm start (and $TOKEN an owner's token):
  curl -X PATCH localhost:8888/api/settings -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \\
    -d '{"retellConfig":{"apiKey":"${apiKey}"}}'
  curl -X POST localhost:8888/api/dashboard/sync-calls -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' -d '{}'
  curl "localhost:8888/api/dashboard/call-history/${agentId}?limit=5" -H "authorization: Bearer $TOKEN"
  curl -X POST "localhost:${port}/_mock/calls?count=3"                         # new calls for the next sync
  curl -X POST "localhost:${port}/_mock/webhook/${example}?event=call_analyzed"  # a signed webhook to ${webhookUrl}`);
});
