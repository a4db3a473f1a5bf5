import { z } from "zod";
import { CONFIG_PROVIDERS } from "../../db/schema";

/**
 * Left only for services/returns/provider-configs.ts, which imports `configProvider` from here and
 * is being reworked elsewhere (the platform credentials store). It moves into
 * `provider-configs.schemas.ts` with that file's inline schemas, and this file goes.
 */
export const configProvider = z.enum(CONFIG_PROVIDERS);
