import { SALES_READERS } from "../../services/sales/access";
import { getAgentActivity, recordAgentActivity } from "../../services/sales/agent-activity";
import {
  ACTIVITY_LIMITS,
  agentActivity,
  agentActivityRecorded,
  MAX_RECORDS,
  recordAgentActivityBody,
} from "../../services/sales/agent-activity.schemas";
import { operation, type RouteConfig, route } from "../../shared/http/route";
import { idParams } from "../../shared/schemas";

export const config: RouteConfig = { path: "/api/conversations/:id/agent-activity" };

const params = idParams.strict();

export default route(config, {
  GET: operation({
    summary: "What the AI agent recorded in a sales conversation",
    description:
      `The live state (isLive, stage, state, endedAt), the latest ${ACTIVITY_LIMITS.actions} actions and ` +
      `${ACTIVITY_LIMITS.entities} detected entities (oldest first), the latest ${ACTIVITY_LIMITS.scores} ` +
      "qualification scores (newest first; `score` is the latest) and the plan steps by position. Only a sales " +
      "conversation (one recorded for a prospect) is found here. Roles: owner, admin, sales_manager, qa_supervisor, " +
      "compliance_officer, and sales_rep for their own prospects' conversations (another's is a 404); API keys: " +
      "read, ai-agent.",
    access: { roles: SALES_READERS, scopes: ["read", "ai-agent"] },
    params,
    response: agentActivity,
    handler: ({ ctx, params }) => getAgentActivity(ctx, params.id),
  }),
  POST: operation({
    summary: "Record what the AI agent did and learned",
    description:
      "The AI agent's recording during a sales conversation, in one transaction; every part is optional, at least " +
      `one is given, each list at most ${MAX_RECORDS}:\n\n` +
      "- `actions`: what it did (type, description, payload, occurredAt: now when left out);\n" +
      "- `entities`: what it heard (type, value, confidence). Those below fill the prospect's field only while it is " +
      "empty, never over a value a person (or an earlier entity) set; a value that does not read as the field's, or " +
      "that PATCH /api/prospects/:id would refuse (a city over 100 characters, a timeline over 200), is kept as the " +
      "entity alone, never cut to fit. Several of one type: the last that fills wins.\n\n" +
      "| entity | prospect field | reads |\n| --- | --- | --- |\n" +
      '| budget | budget | "2,000,000", "2000000", "2.5M", "500k", "1.2 million", "3bn" (at most cents, below 10^12) |\n' +
      "| timeline | timeline | as said, at most 200 characters |\n| city | city | as said, at most 100 characters |\n" +
      '| property_type | preferredPropertyType | villa, apartment, penthouse, townhouse, any case, plural ("Villas") |\n' +
      '| bedrooms | bedrooms | an integer 0–100 ("3", "3 bedrooms", "3BR") |\n\n' +
      "- `score`: a qualification score (overall, budget, timeline, intent, engagement: 0–100; notes);\n" +
      "- `planSteps`: its plan, by position: a position given again replaces that step (status pending when left out);\n" +
      "- `state`: the live state: isLive (false sets endedAt, keeping the first end; true clears it), stage, data " +
      "(the agent's working state, replaced);\n" +
      "- outcome, sentiment, summary, durationSeconds, aiConfidence, handoffSuggested: the conversation's fields, " +
      "announced as conversation:updated.\n\n" +
      "Answers the counts recorded, the live state, the prospect's fields as they now are, and which this call " +
      "filled. A conversation that is not a sales conversation of the tenant is a 404. AI agents only: API keys " +
      "with the ai-agent scope; no user.",
    access: { roles: [], scopes: ["ai-agent"] },
    params,
    body: recordAgentActivityBody,
    response: agentActivityRecorded,
    handler: ({ ctx, params, body }) => recordAgentActivity(ctx, params.id, body),
  }),
});
