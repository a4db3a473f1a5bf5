import { getPreferences, updatePreferences } from "../../services/platform/preferences";
import { preferences, updatePreferencesBody } from "../../services/platform/preferences.schemas";
import { MEMBERS } from "../../shared/auth/roles";
import { operation, type RouteConfig, route } from "../../shared/http/route";

export const config: RouteConfig = { path: "/api/user-preferences" };

export default route(config, {
  GET: operation({
    summary: "Your preferences",
    description: "Preferences never saved read as spec 000's defaults.",
    access: MEMBERS,
    response: preferences,
    handler: ({ ctx }) => getPreferences(ctx),
  }),
  PUT: operation({
    summary: "Change some of your preferences",
    description: "Only the keys given change; the rest keep their values.",
    access: MEMBERS,
    body: updatePreferencesBody,
    response: preferences,
    handler: ({ ctx, body }) => updatePreferences(ctx, body),
  }),
});
