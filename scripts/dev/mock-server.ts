import { createServer, type IncomingMessage } from "node:http";

/** An incoming Node request as a fetch Request, so the fakes (Retell's, Graph's) handle web-standard requests. */
async function toRequest(message: IncomingMessage, port: number): Promise<Request> {
  const chunks: Buffer[] = [];
  for await (const chunk of message) chunks.push(chunk as Buffer);
  const headers = new Headers();
  for (const [name, value] of Object.entries(message.headers)) {
    if (typeof value === "string") headers.set(name, value);
  }
  const hasBody = message.method !== "GET" && message.method !== "HEAD";
  return new Request(new URL(message.url ?? "/", `http://localhost:${port}`), {
    method: message.method,
    headers,
    body: hasBody ? Buffer.concat(chunks) : undefined,
  });
}

/** Serves `handle` on localhost:`port` for the provider mocks (`npm run retell:mock`, `npm run whatsapp:mock`). */
export function serveMock(port: number, handle: (request: Request) => Promise<Response>, listening: () => void) {
  createServer(async (message, reply) => {
    try {
      const response = await handle(await toRequest(message, port));
      reply.writeHead(response.status, Object.fromEntries(response.headers));
      reply.end(Buffer.from(await response.arrayBuffer()));
    } catch (error) {
      reply.writeHead(500, { "content-type": "application/json" });
      reply.end(JSON.stringify({ message: String(error) }));
    }
  }).listen(port, listening);
}
