import type { RequestHandler } from "msw";
import { setupServer } from "msw/node";
import { afterAll, beforeAll } from "vitest";

const LOCAL_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

/**
 * One msw server for a test file, over the handlers of every provider it mocks (two servers in one
 * file would each flag the other's hosts). A request to any other host but this machine's fails:
 * msw answers it with a network error, and it is listed in `unhandled` for the file to check.
 */
export function serveMsw(handlers: RequestHandler[]) {
  const server = setupServer(...handlers);
  const unhandled: string[] = [];
  beforeAll(() =>
    server.listen({
      // The database is local (the Neon driver's WebSocket upgrade comes through here too): let it
      // pass; any other host is a request to the outside world.
      onUnhandledRequest: (request, print) => {
        if (LOCAL_HOSTS.has(new URL(request.url).hostname)) return;
        unhandled.push(`${request.method} ${request.url}`);
        print.error();
      },
    }),
  );
  afterAll(() => server.close());
  return { server, unhandled };
}
