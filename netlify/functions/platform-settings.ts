import { applyWhatsAppSettings } from "../../services/inbox/whatsapp/settings";
import { getSettings, updateSettings } from "../../services/platform/settings";
import { settings, settingsPatch } from "../../services/platform/settings.schemas";
import { ADMINS } from "../../shared/auth/roles";
import { operation, type RouteConfig, route } from "../../shared/http/route";

export const config: RouteConfig = { path: "/api/settings" };

export default route(config, {
  GET: operation({
    summary: "The tenant's provider settings",
    description: "Secrets are write-only: reads show a masked hint.",
    access: { roles: ADMINS },
    response: settings,
    handler: ({ ctx }) => getSettings(ctx),
  }),
  PATCH: operation({
    summary: "Change provider settings",
    description:
      "WhatsApp, webhook and Retell sections merge field by field; secrets are encrypted at rest. `whatsappConfig` " +
      "and `webhookConfig.verifyToken` are spec 003's shortcut to the tenant's first WhatsApp number: that channel " +
      "is made to match them (created from phoneNumberId when there is none). Further numbers are channels (POST /api/channels).",
    access: { roles: ADMINS },
    body: settingsPatch,
    response: settings,
    handler: ({ ctx, body }) =>
      updateSettings(
        ctx,
        body,
        body.whatsappConfig !== undefined || body.webhookConfig !== undefined ? applyWhatsAppSettings : undefined,
      ),
  }),
});
