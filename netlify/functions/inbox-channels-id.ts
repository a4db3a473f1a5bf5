import { deleteChannel, getChannel, updateChannel } from "../../services/inbox/channels";
import { channel, updateChannelBody } from "../../services/inbox/channels.schemas";
import { ADMINS } from "../../shared/auth/roles";
import { operation, type RouteConfig, route } from "../../shared/http/route";
import { idParams } from "../../shared/schemas";

export const config: RouteConfig = { path: "/api/channels/:id" };

const update = operation({
  summary: "Change a channel",
  description:
    "Fields left out are kept. A token given is sealed (replacing the stored one), null removes it; reads show " +
    "masked hints. type may be repeated but not changed (422: connect a new channel). Another tenant's channel is " +
    "a 404; a taken type and platformSpecificId a 409.",
  access: { scopes: ["write"], roles: ADMINS },
  params: idParams,
  body: updateChannelBody,
  response: channel,
  handler: ({ ctx, params, body }) => updateChannel(ctx, params.id, body),
});

export default route(config, {
  GET: operation({
    summary: "A connected channel",
    description: "Tokens show as masked hints. Another tenant's channel is a 404.",
    access: { scopes: ["read"] },
    params: idParams,
    response: channel,
    handler: ({ ctx, params }) => getChannel(ctx, params.id),
  }),
  PUT: update,
  PATCH: update,
  DELETE: operation({
    summary: "Delete a channel",
    description:
      "Deletes the channel, its stored tokens and its contacts' identities on it. A channel with conversations " +
      "or orders is kept and answered 409, since deleting it would delete that history with it: deactivate it " +
      "instead (PATCH isActive: false).",
    access: { scopes: ["write"], roles: ADMINS },
    params: idParams,
    status: 204,
    handler: ({ ctx, params }) => deleteChannel(ctx, params.id),
  }),
});
