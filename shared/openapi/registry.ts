/**
 * Every HTTP function, keyed by its file name in netlify/functions. The OpenAPI document is built
 * from these modules' route declarations; tests/openapi.test.ts fails when a file is missing here.
 * Scheduled functions (a `schedule` and no `path`) do not belong here.
 *
 * `openapi` imports this module and is listed in it: the cycle is harmless because nothing reads
 * a module's `default` until a request asks for the document.
 */
import * as apiKeys from "../../netlify/functions/api-keys";
import * as apiKeysId from "../../netlify/functions/api-keys-id";
import * as auditLog from "../../netlify/functions/audit-log";
import * as authLogin from "../../netlify/functions/auth-login";
import * as authMe from "../../netlify/functions/auth-me";
import * as authRefresh from "../../netlify/functions/auth-refresh";
import * as authRegister from "../../netlify/functions/auth-register";
import * as authSignout from "../../netlify/functions/auth-signout";
import * as callsId from "../../netlify/functions/calls-id";
import * as dashboardAgentInfo from "../../netlify/functions/dashboard-agent-info";
import * as dashboardCallHistory from "../../netlify/functions/dashboard-call-history";
import * as dashboardOverview from "../../netlify/functions/dashboard-overview";
import * as dashboardSyncCalls from "../../netlify/functions/dashboard-sync-calls";
import * as docs from "../../netlify/functions/docs";
import * as health from "../../netlify/functions/health";
import * as openapi from "../../netlify/functions/openapi";
import * as profiles from "../../netlify/functions/profiles";
import * as settings from "../../netlify/functions/settings";
import * as userPreferences from "../../netlify/functions/user-preferences";
import * as users from "../../netlify/functions/users";
import * as usersId from "../../netlify/functions/users-id";
import * as webhooksRetell from "../../netlify/functions/webhooks-retell";
import type { RouteModule } from "../http/route";

export const functionModules: Record<string, RouteModule> = {
  "api-keys": apiKeys,
  "api-keys-id": apiKeysId,
  "audit-log": auditLog,
  "auth-login": authLogin,
  "auth-me": authMe,
  "auth-refresh": authRefresh,
  "auth-register": authRegister,
  "auth-signout": authSignout,
  "calls-id": callsId,
  "dashboard-agent-info": dashboardAgentInfo,
  "dashboard-call-history": dashboardCallHistory,
  "dashboard-overview": dashboardOverview,
  "dashboard-sync-calls": dashboardSyncCalls,
  docs,
  health,
  openapi,
  profiles,
  settings,
  "user-preferences": userPreferences,
  users,
  "users-id": usersId,
  "webhooks-retell": webhooksRetell,
};
