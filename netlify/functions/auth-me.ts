import type { Config } from "@netlify/functions";
import { z } from "zod";
import { me } from "../../services/platform/auth";
import { tenant, user } from "../../services/platform/schemas";
import { MEMBERS } from "../../shared/auth/roles";
import { operation, route } from "../../shared/http/route";

export const config = { path: "/api/auth/me" } satisfies Config;

export default route(config, {
  GET: operation({
    summary: "The signed-in user and their tenant",
    access: MEMBERS,
    response: z.object({ user, tenant }),
    handler: ({ ctx }) => me(ctx),
  }),
});
