import { getProfile, updateProfile } from "../../services/platform/profiles";
import { profile, updateProfileBody } from "../../services/platform/profiles.schemas";
import { MEMBERS } from "../../shared/auth/roles";
import { operation, type RouteConfig, route } from "../../shared/http/route";

export const config: RouteConfig = { path: "/api/profiles" };

export default route(config, {
  GET: operation({
    summary: "Your profile and business",
    access: MEMBERS,
    response: profile,
    handler: ({ ctx }) => getProfile(ctx),
  }),
  PUT: operation({
    summary: "Update your profile",
    description: "Anyone may change their own name; businessName, website and onboarded need the owner or admin role.",
    access: MEMBERS,
    body: updateProfileBody,
    response: profile,
    handler: ({ ctx, body }) => updateProfile(ctx, body),
  }),
});
