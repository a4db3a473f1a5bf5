/**
 * Every HTTP function, keyed by its file name in netlify/functions. The OpenAPI document is built
 * from these modules' route declarations; tests/openapi.test.ts fails when a file is missing here.
 * Scheduled functions (a `schedule` and no `path`) do not belong here.
 *
 * `openapi` imports this module and is listed in it: the cycle is harmless because nothing reads
 * a module's `default` until a request asks for the document.
 */
import * as aiPolicyHelperActive from "../../netlify/functions/ai-policy-helper-active";
import * as aiPolicyHelperEvaluateReturn from "../../netlify/functions/ai-policy-helper-evaluate-return";
import * as apiKeys from "../../netlify/functions/api-keys";
import * as apiKeysId from "../../netlify/functions/api-keys-id";
import * as auditLog from "../../netlify/functions/audit-log";
import * as authLogin from "../../netlify/functions/auth-login";
import * as authMe from "../../netlify/functions/auth-me";
import * as authRefresh from "../../netlify/functions/auth-refresh";
import * as authRegister from "../../netlify/functions/auth-register";
import * as authSignout from "../../netlify/functions/auth-signout";
import * as callSessions from "../../netlify/functions/call-sessions";
import * as callSessionsId from "../../netlify/functions/call-sessions-id";
import * as callSessionsIdAnalytics from "../../netlify/functions/call-sessions-id-analytics";
import * as callSessionsIdTranscripts from "../../netlify/functions/call-sessions-id-transcripts";
import * as callsId from "../../netlify/functions/calls-id";
import * as chatMessages from "../../netlify/functions/chat-messages";
import * as chatMessagesSession from "../../netlify/functions/chat-messages-session";
import * as chatSessions from "../../netlify/functions/chat-sessions";
import * as dashboardAgentInfo from "../../netlify/functions/dashboard-agent-info";
import * as dashboardCallHistory from "../../netlify/functions/dashboard-call-history";
import * as dashboardOverview from "../../netlify/functions/dashboard-overview";
import * as dashboardSyncCalls from "../../netlify/functions/dashboard-sync-calls";
import * as docs from "../../netlify/functions/docs";
import * as health from "../../netlify/functions/health";
import * as openapi from "../../netlify/functions/openapi";
import * as policies from "../../netlify/functions/policies";
import * as policiesActive from "../../netlify/functions/policies-active";
import * as policiesId from "../../netlify/functions/policies-id";
import * as policiesIdActivate from "../../netlify/functions/policies-id-activate";
import * as profiles from "../../netlify/functions/profiles";
import * as providerConfigs from "../../netlify/functions/provider-configs";
import * as providerConfigsId from "../../netlify/functions/provider-configs-id";
import * as returnRequests from "../../netlify/functions/return-requests";
import * as returnRequestsIdStatus from "../../netlify/functions/return-requests-id-status";
import * as returnRequestsLookup from "../../netlify/functions/return-requests-lookup";
import * as settings from "../../netlify/functions/settings";
import * as userPreferences from "../../netlify/functions/user-preferences";
import * as users from "../../netlify/functions/users";
import * as usersId from "../../netlify/functions/users-id";
import * as webhooksRetell from "../../netlify/functions/webhooks-retell";
import type { RouteModule } from "../http/route";

export const functionModules: Record<string, RouteModule> = {
  "ai-policy-helper-active": aiPolicyHelperActive,
  "ai-policy-helper-evaluate-return": aiPolicyHelperEvaluateReturn,
  "api-keys": apiKeys,
  "api-keys-id": apiKeysId,
  "audit-log": auditLog,
  "auth-login": authLogin,
  "auth-me": authMe,
  "auth-refresh": authRefresh,
  "auth-register": authRegister,
  "auth-signout": authSignout,
  "call-sessions": callSessions,
  "call-sessions-id": callSessionsId,
  "call-sessions-id-analytics": callSessionsIdAnalytics,
  "call-sessions-id-transcripts": callSessionsIdTranscripts,
  "calls-id": callsId,
  "chat-messages": chatMessages,
  "chat-messages-session": chatMessagesSession,
  "chat-sessions": chatSessions,
  "dashboard-agent-info": dashboardAgentInfo,
  "dashboard-call-history": dashboardCallHistory,
  "dashboard-overview": dashboardOverview,
  "dashboard-sync-calls": dashboardSyncCalls,
  docs,
  health,
  openapi,
  policies,
  "policies-active": policiesActive,
  "policies-id": policiesId,
  "policies-id-activate": policiesIdActivate,
  profiles,
  "provider-configs": providerConfigs,
  "provider-configs-id": providerConfigsId,
  "return-requests": returnRequests,
  "return-requests-id-status": returnRequestsIdStatus,
  "return-requests-lookup": returnRequestsLookup,
  settings,
  "user-preferences": userPreferences,
  users,
  "users-id": usersId,
  "webhooks-retell": webhooksRetell,
};
