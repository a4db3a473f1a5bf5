import { z } from "zod";
import { CALL_DIRECTIONS, CALL_STATUSES, CALL_TYPES } from "../../db/schema";
import { boundedJson, epochMillis, httpUrl, jsonValue, storableText } from "../../shared/schemas";

/**
 * Retell's call object (a webhook's `call`, a list-calls item, a get-call answer), as far as
 * Frontdesk stores it: every stored field typed as its column takes it (integers in `integer`'s
 * range, instants as epoch ms from 2000 to 9999, links http(s) only, text Postgres stores).
 * Retell's other fields pass through unchecked and are not stored.
 */

/** The largest value of an `integer` column. */
const INT4_MAX = 2_147_483_647;
const int4 = z.number().int().min(0).max(INT4_MAX);
const retellId = storableText.min(1).max(200);
const shortText = storableText.max(200);

const identity = {
  call_id: retellId,
  agent_id: retellId,
  call_type: z.enum(CALL_TYPES),
  call_status: z.enum(CALL_STATUSES),
};

const analysisFields = {
  call_summary: storableText.nullish(),
  user_sentiment: shortText.nullish(),
  call_successful: z.boolean().nullish(),
  in_voicemail: z.boolean().nullish(),
  custom_analysis_data: jsonValue().nullish(),
};

const utterance = z.looseObject({ role: shortText, content: storableText });

const storedFields = {
  agent_version: int4.nullish(),
  direction: z.enum(CALL_DIRECTIONS).nullish(),
  from_number: shortText.nullish(),
  to_number: shortText.nullish(),
  start_timestamp: epochMillis.nullish(),
  end_timestamp: epochMillis.nullish(),
  duration_ms: int4.nullish(),
  call_cost: z.looseObject({ combined_cost: z.number().min(0).max(Number.MAX_SAFE_INTEGER).nullish() }).nullish(),
  transcript: storableText.nullish(),
  transcript_object: z.array(utterance).superRefine(boundedJson()).nullish(),
  recording_url: httpUrl.nullish(),
  public_log_url: httpUrl.nullish(),
  disconnection_reason: shortText.nullish(),
  metadata: jsonValue().nullish(),
};

/** An agent's name as Retell gives it (list items, get-agent): null when Postgres could not store it. */
export const retellAgentName = shortText.nullish().catch(null);

/** A call a webhook delivers: a field of the wrong type is a 400, and nothing is stored. */
export const retellCall = z.looseObject({
  ...identity,
  ...storedFields,
  call_analysis: z.looseObject(analysisFields).nullish(),
});

/** Each field as given, or left out when invalid. */
function droppingInvalid<Shape extends Record<string, z.ZodType>>(shape: Shape) {
  return Object.fromEntries(Object.entries(shape).map(([key, field]) => [key, field.catch(undefined)])) as unknown as {
    [Key in keyof Shape]: Shape[Key];
  };
}

/**
 * A call as stored, from whichever source: Retell's own API answers (the sync) are taken as they
 * come, so a field Postgres would refuse is stored as missing (null) rather than failing the page;
 * a call without its identity is refused.
 */
export const storedRetellCall = z.looseObject({
  ...identity,
  ...droppingInvalid({ ...storedFields, call_analysis: z.looseObject(droppingInvalid(analysisFields)).nullish() }),
});
