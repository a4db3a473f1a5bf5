import { z } from "zod";
import { email, storableText } from "../../shared/schemas";
import { phoneNumber, tags } from "./contacts.schemas";

/**
 * The CSV files of contacts: the export's columns, and what an imported row may hold. Tags are
 * joined with `;` in one cell (a comma would need quoting in every spreadsheet).
 */

export const EXPORT_COLUMNS = ["phoneNumber", "name", "email", "tags", "createdAt"] as const;
export const TAG_SEPARATOR = ";";

/** An import's header names, lower case without spaces, dashes or underscores, as the row's fields. */
export const CSV_COLUMN_ALIASES: Record<string, "phoneNumber" | "name" | "email" | "tags" | "createdAt"> = {
  phonenumber: "phoneNumber",
  phone: "phoneNumber",
  mobile: "phoneNumber",
  name: "name",
  fullname: "name",
  email: "email",
  emailaddress: "email",
  tags: "tags",
  tag: "tags",
  createdat: "createdAt",
};

/** An empty cell is no value: it leaves the stored one as it is. */
const cell = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === "" ? undefined : value), schema.optional());

export const csvRow = z
  .object({
    phoneNumber: cell(phoneNumber),
    name: cell(storableText.pipe(z.string().max(200))),
    email: cell(email),
    tags: cell(
      storableText
        .transform((value) =>
          value
            .split(TAG_SEPARATOR)
            .map((tag) => tag.trim())
            .filter(Boolean),
        )
        .pipe(tags),
    ),
  })
  .refine((row) => row.phoneNumber !== undefined || row.email !== undefined, {
    message: "A row needs a phoneNumber or an email",
  });
export type CsvRow = z.infer<typeof csvRow>;

export const importResult = z
  .object({
    created: z.number().int().describe("Contacts the file added"),
    updated: z.number().int().describe("Rows that changed a contact (a stored one, or one an earlier row added)"),
    unchanged: z
      .number()
      .int()
      .describe("Rows about a contact that already held every value they give: nothing written"),
    rejected: z
      .array(
        z.object({
          line: z.number().int().describe("The line the row starts on; the header is line 1"),
          reason: z.string(),
        }),
      )
      .describe("Rows not imported, by line"),
  })
  .meta({ id: "ContactImportResult" });
