/**
 * A WebSocket-to-TCP proxy for Neon's serverless driver, so tests can run the production driver
 * (`drizzle-orm/neon-serverless`) against a local Postgres. Test tool only: it refuses any target
 * that is not on loopback.
 *
 * Protocol (Neon's wsproxy): the client opens `ws://<proxy>/v2?address=<host>:<port>`; every
 * binary message carries raw Postgres wire bytes, in both directions. No TLS (the client runs with
 * `useSecureWebSocket = false`).
 *
 *   tsx scripts/neon-ws-proxy.ts [port]     # or NEON_WS_PROXY_PORT; 0 (default) = a free port
 *   NEON_WS_PROXY=127.0.0.1:<port> DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm test
 */
import { createConnection, type Socket } from "node:net";
import { type RawData, WebSocket, WebSocketServer } from "ws";

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "::1"]);

interface NeonWsProxy {
  port: number;
  /** WebSocket connections bridged so far (CI checks it to prove the tests went through Neon's driver). */
  connections(): number;
  close(): Promise<void>;
}

/** Parses `host:port` (IPv6 may be bare `::1:5432` or bracketed `[::1]:5432`). */
function parseAddress(address: string | null): { host: string; port: number } | undefined {
  if (!address) return undefined;
  const colon = address.lastIndexOf(":");
  if (colon <= 0) return undefined;
  let host = address.slice(0, colon);
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  const portText = address.slice(colon + 1);
  if (!/^\d{1,5}$/.test(portText)) return undefined;
  const port = Number(portText);
  if (port < 1 || port > 65535) return undefined;
  return { host: host.toLowerCase(), port };
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

function bridge(ws: WebSocket, target: { host: string; port: number }): void {
  const socket: Socket = createConnection({ host: target.host, port: target.port });
  socket.setNoDelay(true);
  // Bytes the client sends before the TCP connection is up are queued by the socket itself.
  ws.on("message", (data) => {
    if (!socket.destroyed) socket.write(toBuffer(data));
  });
  socket.on("data", (chunk) => {
    if (ws.readyState === WebSocket.OPEN) ws.send(chunk, { binary: true });
  });
  const closeWs = () => {
    if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close();
  };
  socket.on("end", closeWs);
  socket.on("close", closeWs);
  socket.on("error", () => {
    // A refused or reset database connection: the client sees the WebSocket close.
    if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.terminate();
  });
  ws.on("close", () => socket.destroy());
  ws.on("error", () => socket.destroy());
}

function startNeonWsProxy(port = 0, host = "127.0.0.1"): Promise<NeonWsProxy> {
  const server = new WebSocketServer({
    host,
    port,
    // Postgres messages are small, and the client sends them uncompressed.
    perMessageDeflate: false,
    verifyClient: ({ req }, done) => {
      const url = new URL(req.url ?? "/", "http://proxy");
      if (url.pathname !== "/v2") return done(false, 404, "Not Found");
      const target = parseAddress(url.searchParams.get("address"));
      if (!target) return done(false, 400, "Bad address");
      if (!LOOPBACK_HOSTS.has(target.host)) return done(false, 403, "Only loopback targets are allowed");
      done(true);
    },
  });
  let connections = 0;
  server.on("connection", (ws, req) => {
    connections++;
    const target = parseAddress(new URL(req.url ?? "/", "http://proxy").searchParams.get("address"));
    if (!target) return ws.close(1008, "Bad address");
    bridge(ws, target);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.once("listening", () => {
      server.off("error", reject);
      server.on("error", (error) => console.error("neon-ws-proxy:", error));
      const address = server.address();
      const boundPort = typeof address === "object" && address ? address.port : port;
      resolve({
        port: boundPort,
        connections: () => connections,
        close: () =>
          new Promise<void>((done) => {
            for (const client of server.clients) client.terminate();
            server.close(() => done());
          }),
      });
    });
  });
}

async function main(): Promise<void> {
  const port = Number(process.argv[2] ?? process.env.NEON_WS_PROXY_PORT ?? 0);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`Invalid port: ${process.argv[2]}`);
  const proxy = await startNeonWsProxy(port);
  console.log(`listening on ${proxy.port}`);
  const stop = () => {
    console.log(`closed after ${proxy.connections()} connections`);
    void proxy.close().then(() => process.exit(0));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
