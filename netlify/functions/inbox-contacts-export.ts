import { exportContactsQuery } from "../../services/inbox/contacts.schemas";
import { exportContactsCsv } from "../../services/inbox/contacts-csv";
import { operation, type RouteConfig, route } from "../../shared/http/route";

export const config: RouteConfig = { path: "/api/contacts/export" };

/** A body read from the chunks as the client takes them (a slow download reads no page ahead). */
function streamOf(chunks: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const iterator = chunks[Symbol.asyncIterator]();
  return new ReadableStream({
    async pull(controller) {
      const next = await iterator.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    async cancel() {
      await iterator.return?.();
    },
  });
}

export default route(config, {
  GET: operation({
    summary: "Export contacts as CSV",
    description:
      "Streams the contacts the filters pick (those of GET /api/contacts), newest first, as a CSV download " +
      "with the columns phoneNumber, name, email, tags (joined with ;) and createdAt, read a page at a time. " +
      "A cell starting with = + - @ is prefixed with ' so no spreadsheet runs it as a formula; the import " +
      "removes that prefix again.",
    access: { scopes: ["read"] },
    query: exportContactsQuery,
    produces: "text/csv",
    handler: async ({ ctx, query }) =>
      new Response(streamOf(await exportContactsCsv(ctx, query)), {
        headers: {
          "content-type": "text/csv; charset=utf-8",
          "content-disposition": `attachment; filename="contacts-${new Date().toISOString().slice(0, 10)}.csv"`,
        },
      }),
  }),
});
