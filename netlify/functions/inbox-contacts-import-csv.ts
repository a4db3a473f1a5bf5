import { importContactsCsv } from "../../services/inbox/contacts-csv";
import { importResult } from "../../services/inbox/contacts-csv.schemas";
import { operation, type RouteConfig, route } from "../../shared/http/route";
import { readUploadedText } from "../../shared/http/upload";

export const config: RouteConfig = { path: "/api/contacts/import/csv" };

const MAX_FILE_BYTES = 5 * 1024 * 1024;

export default route(config, {
  POST: operation({
    summary: "Import contacts from CSV",
    description:
      "The body is the file (Content-Type: text/csv) or a multipart/form-data form with the file in the field " +
      "`file`; at most 5 MB (413), UTF-8, with a header row naming phoneNumber (or phone, phone_number, mobile), " +
      "name (or full_name), email and tags (separated by ;), in any case; other columns are ignored. Each row " +
      "updates the contact with its phone number, or else the one with its email, or adds one; an empty cell " +
      "keeps the stored value. Rows about the same person are applied in order, the later winning (counted as " +
      "updated; one that changes nothing, unchanged). A row whose phone number is one contact's and email another's is rejected, as are invalid " +
      "rows: each with the line it starts on (the header is line 1) and why. The rest is written in one transaction.",
    access: { scopes: ["write"] },
    response: importResult,
    errors: ["PAYLOAD_TOO_LARGE", "UNSUPPORTED_MEDIA_TYPE"],
    handler: async ({ ctx, request }) =>
      importContactsCsv(
        ctx,
        await readUploadedText(request, { mediaTypes: ["text/csv"], field: "file", maxBytes: MAX_FILE_BYTES }),
      ),
  }),
});
