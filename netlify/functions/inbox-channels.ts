import { createChannel, listChannels } from "../../services/inbox/channels";
import { channel, createChannelBody, listChannelsQuery } from "../../services/inbox/channels.schemas";
import { ADMINS } from "../../shared/auth/roles";
import { operation, type RouteConfig, route } from "../../shared/http/route";

export const config: RouteConfig = { path: "/api/channels" };

export default route(config, {
  GET: operation({
    summary: "List the tenant's connected channels",
    description: "Newest first; filter by type (spec 002's platformType) and isActive. Tokens show as masked hints.",
    access: { scopes: ["read"] },
    query: listChannelsQuery,
    response: channel,
    paginated: true,
    handler: ({ ctx, query }) => listChannels(ctx, query),
  }),
  POST: operation({
    summary: "Connect a channel",
    description:
      "accessToken and refreshToken are write-only: sealed in the platform's credentials store, answered as a " +
      "masked hint. A second channel of the same type and platformSpecificId is a 409.",
    access: { scopes: ["write"], roles: ADMINS },
    body: createChannelBody,
    response: channel,
    status: 201,
    handler: ({ ctx, body }) => createChannel(ctx, body),
  }),
});
