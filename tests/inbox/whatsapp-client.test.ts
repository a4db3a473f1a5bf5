import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { HttpResponse, http } from "msw";
import { describe, expect, it, onTestFinished } from "vitest";
import { getDb } from "../../db/client";
import { metaErrorBody } from "../../scripts/dev/fake-graph";
import { signedWebhook } from "../../scripts/dev/meta-webhooks";
import { numberOfChannel } from "../../services/inbox/whatsapp/numbers";
import {
  GraphError,
  graphBaseUrl,
  graphClient,
  metaSignature,
  verifyMetaSignature,
  WHATSAPP_API_VERSION,
} from "../../shared/clients/whatsapp";
import { mockGraph } from "../helpers/whatsapp-msw";

// shared/clients/whatsapp.ts against the fake Graph behind msw, in Meta's request and answer shapes.

const meta = mockGraph();
const soon = (ms: number) => Date.now() + ms;

/**
 * A local server answering at once with headers and `first`, then `rest` `pause` ms later: a slow
 * download, or a JSON answer that stalls. A real socket (msw passes this machine's hosts through):
 * msw's mocked bodies do not see the request's abort, which is what these tests are about.
 */
async function slowServer(contentType: string, first: string, pause: number, rest: string) {
  const server = createServer((_request, response) => {
    response.writeHead(200, { "content-type": contentType });
    response.write(first);
    const timer = setTimeout(() => response.end(rest), pause);
    response.on("close", () => clearTimeout(timer));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** The rejection of `promise`, which must be a GraphError. */
async function graphError(promise: Promise<unknown>): Promise<GraphError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GraphError);
  return error as GraphError;
}

describe("sending", () => {
  it("posts Meta's message body to the pinned version and answers Meta's send result", async () => {
    const graph = meta.account();
    const phone = graph.phoneNumberIds[0]!;
    const sent = await graphClient({ accessToken: graph.accessToken }).sendMessage(phone, {
      to: "+1 (415) 555-0101",
      type: "text",
      text: { body: "Hello", preview_url: true },
    });

    expect(sent.messaging_product).toBe("whatsapp");
    expect(sent.contacts).toEqual([{ input: "+1 (415) 555-0101", wa_id: "14155550101" }]);
    expect(sent.messages[0]?.id).toMatch(/^wamid\./);
    expect(graph.outbox[0]?.id).toBe(sent.messages[0]?.id);
    expect(graph.sent).toEqual([
      {
        messaging_product: "whatsapp",
        to: "+1 (415) 555-0101",
        type: "text",
        text: { body: "Hello", preview_url: true },
      },
    ]);
    expect(graph.requests[0]).toMatchObject({ method: "POST", path: `/${WHATSAPP_API_VERSION}/${phone}/messages` });
  });

  it("uses the number's own API version when it names one", async () => {
    const graph = meta.account();
    await graphClient({ accessToken: graph.accessToken, apiVersion: "v21.0" }).markRead(
      graph.phoneNumberIds[0]!,
      "wamid.in",
    );
    expect(graph.requests[0]?.path).toBe(`/v21.0/${graph.phoneNumberIds[0]}/messages`);
  });

  it("marks a message read with Meta's read body", async () => {
    const graph = meta.account();
    const answer = await graphClient({ accessToken: graph.accessToken }).markRead(graph.phoneNumberIds[0]!, "wamid.A");
    expect(answer).toEqual({ success: true });
    expect(graph.reads).toEqual(["wamid.A"]);
    expect(graph.requests[0]?.body).toEqual({ messaging_product: "whatsapp", status: "read", message_id: "wamid.A" });
    expect(graph.sent).toEqual([]);
  });
});

describe("Graph errors", () => {
  it("carries Meta's code, subcode, title, details and trace id, and a 4xx is not retried", async () => {
    const graph = meta.account().rejectRecipient("14155550102", 131030);
    const error = await graphError(
      graphClient({ accessToken: graph.accessToken }, { deadline: soon(30_000) }).sendMessage(
        graph.phoneNumberIds[0]!,
        { to: "14155550102", type: "text", text: { body: "hi" } },
      ),
    );

    expect(error).toMatchObject({
      status: 400,
      code: 131030,
      subcode: 2655007,
      title: "(#131030) Recipient phone number not in allowed list",
      details: expect.stringContaining("Add recipient phone number"),
      retryable: false,
    });
    expect(error.fbtraceId).toMatch(/^A/);
    expect(graph.requests).toHaveLength(1);
    expect(graph.sent).toEqual([]);
  });

  it("takes Meta's user-facing title and message when the envelope has them", async () => {
    const graph = meta.account();
    const { error_data: _, ...envelope } = metaErrorBody(100, {
      subcode: 2388024,
      userTitle: "Content in this language already exists",
      userMessage: "Make a new one.",
    }).error;
    graph.failNext(1, 400, { error: envelope });
    const error = await graphError(
      graphClient({ accessToken: graph.accessToken }).createTemplate(graph.businessAccountId, {
        name: "x",
        language: "en_US",
        category: "UTILITY",
        components: [{ type: "BODY", text: "x" }],
      }),
    );
    expect(error).toMatchObject({
      status: 400,
      code: 100,
      subcode: 2388024,
      title: "Content in this language already exists",
      details: "Make a new one.",
    });
  });

  it("answers 401 code 190 for a token Meta does not know, without retrying", async () => {
    const graph = meta.account();
    const error = await graphError(graphClient({ accessToken: "EAAG-not-a-token" }).getMedia("123"));
    expect(error).toMatchObject({ status: 401, code: 190, retryable: false });
    expect(graph.requests).toHaveLength(0);
  });
});

describe("retries", () => {
  it("retries a 429 and then answers the success", async () => {
    const graph = meta.account().failNext(1, 429);
    const sent = await graphClient({ accessToken: graph.accessToken }, { deadline: soon(10_000) }).sendMessage(
      graph.phoneNumberIds[0]!,
      { to: "14155550103", type: "text", text: { body: "again" } },
    );
    expect(sent.messages[0]?.id).toMatch(/^wamid\./);
    expect(graph.requests).toHaveLength(2);
    expect(graph.sent).toHaveLength(1);
  });

  it.each([130429, 131056, 80007])("retries Meta's throttling code %i, which comes with a 400", async (code) => {
    const graph = meta.account().failNext(1, 400, metaErrorBody(code));
    const sent = await graphClient({ accessToken: graph.accessToken }, { deadline: soon(10_000) }).sendMessage(
      graph.phoneNumberIds[0]!,
      { to: "14155550105", type: "text", text: { body: "throttled" } },
    );
    expect(sent.messages[0]?.id).toMatch(/^wamid\./);
    expect(graph.requests).toHaveLength(2);
  });

  it("waits the Retry-After Meta gives before the next attempt", async () => {
    const graph = meta.account().failNext(1, 429, undefined, { retryAfter: 1 });
    const started = Date.now();
    await graphClient({ accessToken: graph.accessToken }, { deadline: soon(10_000) }).markRead(
      graph.phoneNumberIds[0]!,
      "wamid.B",
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(graph.reads).toEqual(["wamid.B"]);
  });

  it("gives up at once on a Retry-After that would pass the deadline", async () => {
    const graph = meta.account().failNext(1, 429, undefined, { retryAfter: 30 });
    const started = Date.now();
    const error = await graphError(
      graphClient({ accessToken: graph.accessToken }, { deadline: soon(5_000) }).markRead(
        graph.phoneNumberIds[0]!,
        "wamid.C",
      ),
    );
    expect(error).toMatchObject({ status: 429, code: 4, retryable: true });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(graph.requests).toHaveLength(1);
  });

  it("retries a 500 with backoff until the deadline, then throws Meta's error", async () => {
    const graph = meta.account().failNext(100, 500);
    const deadline = soon(2_500);
    const error = await graphError(
      graphClient({ accessToken: graph.accessToken }, { deadline }).sendMessage(graph.phoneNumberIds[0]!, {
        to: "14155550104",
        type: "text",
        text: { body: "never" },
      }),
    );
    expect(error).toMatchObject({ status: 500, code: 131000, retryable: true });
    expect(Date.now()).toBeLessThanOrEqual(deadline);
    // 250 ms then 500 ms of backoff fit; the next (1 s, plus a second for the attempt) does not.
    expect(graph.requests).toHaveLength(3);
    expect(graph.sent).toEqual([]);
  });

  it("gives up on an attempt Meta does not answer in time, as a retryable failure", async () => {
    const graph = meta.account();
    graph.latencyMs = 3_000;
    const started = Date.now();
    const error = await graphError(
      graphClient({ accessToken: graph.accessToken }, { deadline: soon(1_500) }).getMedia("1"),
    );
    expect(error).toMatchObject({ status: 503, retryable: true });
    expect(error.title).toContain("could not be reached");
    expect(Date.now() - started).toBeLessThan(2_500);
  });
});

describe("the attempt's timeout", () => {
  it("bounds a download's headers, not its body: a slow body streams on past the deadline", async () => {
    const url = await slowServer("image/gif", "GIF89a ", 1_500, "the rest");
    const download = await graphClient({ accessToken: "EAAG-slow" }, { deadline: soon(1_000) }).downloadMedia(url);
    expect(download.headers.get("content-type")).toBe("image/gif");
    expect(await download.text()).toBe("GIF89a the rest");
  });

  it("bounds a JSON answer whole: one that stalls past the deadline is a 502, not a hang or a raw abort", async () => {
    const before = process.env.WHATSAPP_GRAPH_URL;
    process.env.WHATSAPP_GRAPH_URL = await slowServer("application/json", '{"id":', 3_000, '"1"}');
    onTestFinished(() => {
      if (before === undefined) delete process.env.WHATSAPP_GRAPH_URL;
      else process.env.WHATSAPP_GRAPH_URL = before;
    });
    const started = Date.now();
    const error = await graphError(graphClient({ accessToken: "EAAG-stall" }, { deadline: soon(1_000) }).getMedia("1"));
    expect(error).toMatchObject({ status: 502, title: "Graph's answer could not be read (TimeoutError)" });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("answers a 2xx that is not JSON as a 502, without retrying it", async () => {
    const graph = meta.account();
    const phone = graph.phoneNumberIds[0]!;
    let posts = 0;
    meta.server.use(
      http.post(`${graphBaseUrl()}/${WHATSAPP_API_VERSION}/${phone}/messages`, () => {
        posts++;
        return new HttpResponse("<html>Sorry, something went wrong.</html>", {
          headers: { "content-type": "text/html" },
        });
      }),
    );
    try {
      const error = await graphError(
        graphClient({ accessToken: graph.accessToken }, { deadline: soon(10_000) }).sendMessage(phone, {
          to: "14155550106",
          type: "text",
          text: { body: "hi" },
        }),
      );
      expect(error).toMatchObject({ status: 502, title: "Graph's answer could not be read (SyntaxError)" });
      expect(posts).toBe(1);
    } finally {
      meta.server.resetHandlers();
    }
  });
});

describe("the access token", () => {
  it("goes in the Authorization header only, also when following paging.next that carries it", async () => {
    const graph = meta.account();
    const templates = graph.addTemplates(5);
    const client = graphClient({ accessToken: graph.accessToken });

    const ids: string[] = [];
    let next: string | undefined;
    let pages = 0;
    do {
      const page = await client.listTemplates(graph.businessAccountId, next, 2);
      ids.push(...page.data.map((t) => t.id));
      next = page.paging?.next;
      if (next) expect(new URL(next).searchParams.get("access_token")).toBe(graph.accessToken);
      pages++;
    } while (next);

    expect(pages).toBe(3);
    expect(ids).toEqual(templates.map((t) => t.id));
    expect(graph.requests).toHaveLength(3);
    for (const request of graph.requests) {
      expect(request.url).not.toContain(graph.accessToken);
      expect(request.url).not.toContain("access_token");
      expect(request.authorization).toBe(`Bearer ${graph.accessToken}`);
    }
  });

  it("is sent to the media URL as a header too, and the bytes come back", async () => {
    const graph = meta.account();
    const bytes = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);
    const mediaId = graph.addMedia(bytes, "image/jpeg");
    const client = graphClient({ accessToken: graph.accessToken });

    const info = await client.getMedia(mediaId);
    expect(info).toMatchObject({ id: mediaId, mime_type: "image/jpeg", file_size: "7", messaging_product: "whatsapp" });
    expect(info.url).not.toContain(graph.accessToken);
    const download = await client.downloadMedia(info.url);
    expect(download.headers.get("content-type")).toBe("image/jpeg");
    expect(new Uint8Array(await download.arrayBuffer())).toEqual(bytes);
    expect(graph.requests.map((r) => r.authorization)).toEqual([
      `Bearer ${graph.accessToken}`,
      `Bearer ${graph.accessToken}`,
    ]);
  });

  it("is never sent to a paging.next on another host", async () => {
    const graph = meta.account();
    const client = graphClient({ accessToken: graph.accessToken });
    for (const next of [
      `https://graph.example.com/v23.0/${graph.businessAccountId}/message_templates?after=x`,
      `http://graph.facebook.com/v23.0/${graph.businessAccountId}/message_templates?after=x`,
    ]) {
      await expect(client.listTemplates(graph.businessAccountId, next)).rejects.toThrow(/another host/);
    }
    expect(graph.requests).toHaveLength(0);
  });
});

describe("templates", () => {
  it("creates a template and deletes it by name and hsm_id", async () => {
    const graph = meta.account();
    const client = graphClient({ accessToken: graph.accessToken });
    const created = await client.createTemplate(graph.businessAccountId, {
      name: "welcome_back",
      language: "en_US",
      category: "marketing",
      components: [{ type: "BODY", text: "Welcome back, {{1}}!", example: { body_text: [["Ana"]] } }],
    });
    expect(created).toEqual({ id: expect.stringMatching(/^\d+$/), status: "PENDING", category: "MARKETING" });
    expect(graph.templates).toMatchObject([{ id: created.id, name: "welcome_back", status: "PENDING" }]);

    expect(await client.deleteTemplate(graph.businessAccountId, "welcome_back", created.id)).toEqual({ success: true });
    const deleted = new URL(graph.requests.at(-1)!.url);
    expect(Object.fromEntries(deleted.searchParams)).toEqual({ name: "welcome_back", hsm_id: created.id });
    expect(graph.templates).toEqual([]);
  });
});

describe("verifyMetaSignature", () => {
  const secret = "app-secret-0123456789";
  const { rawBody, headers } = signedWebhook(
    { object: "whatsapp_business_account", entry: [{ id: "1", changes: [] }] },
    secret,
  );
  const signature = headers["x-hub-signature-256"];

  it("accepts Meta's signature of the raw body, in either hex case", () => {
    expect(signature).toBe(metaSignature(rawBody, secret));
    expect(verifyMetaSignature(rawBody, secret, signature)).toBe(true);
    expect(verifyMetaSignature(rawBody, secret, `sha256=${signature.slice(7).toUpperCase()}`)).toBe(true);
  });

  it.each([
    ["another secret's", metaSignature(rawBody, "another-secret")],
    ["another body's", metaSignature(`${rawBody} `, secret)],
    ["a missing", null],
    ["an empty", ""],
    ["a sha1", `sha1=${signature.slice(7, 47)}`],
    ["a prefix-less", signature.slice(7)],
    ["a non-hex", `sha256=${"z".repeat(64)}`],
    ["a shorter", signature.slice(0, -2)],
    ["a longer", `${signature}00`],
  ])("refuses %s signature", (_label, header) => {
    expect(verifyMetaSignature(rawBody, secret, header)).toBe(false);
  });

  it("refuses the signature over a re-serialised body (Meta escapes non-ASCII and slashes)", () => {
    const signed = signedWebhook({ text: "olá https://example.com/ 👍" }, secret);
    expect(signed.rawBody).toContain("ol\\u00e1 https:\\/\\/example.com\\/ \\ud83d\\udc4d");
    const reserialised = JSON.stringify(JSON.parse(signed.rawBody));
    expect(verifyMetaSignature(signed.rawBody, secret, signed.headers["x-hub-signature-256"])).toBe(true);
    expect(verifyMetaSignature(reserialised, secret, signed.headers["x-hub-signature-256"])).toBe(false);
  });
});

describe("the test helper", () => {
  it("configures a tenant's number through the settings route, with the fake account's token", async () => {
    const { owner, graph, number } = await meta.tenantWithWhatsApp("client");
    const stored = await numberOfChannel(await getDb(), owner.tenantId, number.channelId);
    expect(stored).toMatchObject({
      phoneNumberId: graph.phoneNumberIds[0],
      businessAccountId: graph.businessAccountId,
      accessToken: graph.accessToken,
      appSecret: number.appSecret,
    });
    const second = await meta.addNumber(owner, graph);
    expect(second.channelId).not.toBe(number.channelId);
    expect(await numberOfChannel(await getDb(), owner.tenantId, second.channelId)).toMatchObject({
      phoneNumberId: second.phoneNumberId,
      accessToken: graph.accessToken,
    });
  });
});
