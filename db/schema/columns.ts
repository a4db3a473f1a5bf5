import { timestamp } from "drizzle-orm/pg-core";

/** Column helpers every module's tables share. Not re-exported from the schema index. */
export const createdAt = () => timestamp({ withTimezone: true }).notNull().defaultNow();
export const updatedAt = () =>
  timestamp({ withTimezone: true })
    .notNull()
    .defaultNow()
    .$onUpdate(() => new Date());
