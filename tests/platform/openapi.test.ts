import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import * as docs from "../../netlify/functions/platform-docs";
import * as openapi from "../../netlify/functions/platform-openapi";
import { call } from "../../scripts/dev/http";
import { httpFunctions } from "../../scripts/functions";
import { openApiFile, openApiJson } from "../../scripts/openapi";
import { operation, route } from "../../shared/http/route";
import { buildOpenApiDocument, type OpenApiDocument } from "../../shared/openapi/document";

async function fetchDocument(): Promise<OpenApiDocument> {
  const res = await call<OpenApiDocument>(openapi);
  expect(res.status).toBe(200);
  return res.body;
}

/** Every `$ref` in the document, with where it was found. */
function refsOf(value: unknown, at = "#"): [ref: string, at: string][] {
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([key, item]) =>
    key === "$ref" && typeof item === "string" ? [[item, at] as [string, string]] : refsOf(item, `${at}/${key}`),
  );
}

function resolvePointer(document: unknown, ref: string): unknown {
  if (!ref.startsWith("#/")) return undefined;
  return ref
    .slice(2)
    .split("/")
    .map((segment) => segment.replace(/~1/g, "/").replace(/~0/g, "~"))
    .reduce<unknown>(
      (node, segment) =>
        node !== null && typeof node === "object" ? (node as Record<string, unknown>)[segment] : undefined,
      document,
    );
}

function operationsOf(document: OpenApiDocument) {
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ path, method, op: op! })),
  );
}

describe("openapi.json", () => {
  it("is the document the route declarations build (run `npm run openapi` after changing a route)", async () => {
    expect(JSON.parse(readFileSync(openApiFile, "utf8"))).toEqual(JSON.parse(await openApiJson()));
  });

  it("documents every HTTP function's path and methods, tagged with its module", async () => {
    const document = await fetchDocument();
    const http = await httpFunctions();
    expect(http.length).toBeGreaterThan(10);
    for (const { name, file, module } of http) {
      const { path, operations } = module.default.definition;
      expect(path).toBe(module.config.path);
      const documented = document.paths[path.replace(/:(\w+)/g, "{$1}")];
      expect(documented, `${path} (${file}) is not in the document`).toBeDefined();
      expect(Object.keys(documented ?? {}).sort()).toEqual(
        Object.keys(operations)
          .map((m) => m.toLowerCase())
          .sort(),
      );
      for (const op of Object.values(documented ?? {})) expect(op.tags).toEqual([name.split("-")[0]]);
    }
    const modules = [...new Set(http.map(({ name }) => name.split("-")[0]))].sort();
    expect(modules).toEqual(expect.arrayContaining(["platform", "returns", "voice"]));
    expect(document.tags.map((tag) => tag.name)).toEqual(modules);
  });
});

describe("GET /api/openapi.json", () => {
  it("answers the OpenAPI 3.1 document itself, outside the data envelope", async () => {
    const res = await call(openapi);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(res.headers.get("x-request-id")).toBeTruthy();
    expect(res.body).not.toHaveProperty("data");
    expect(res.body.openapi).toMatch(/^3\.1\.\d+$/);
    expect(res.body.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
  });

  it("declares both ways to authenticate", async () => {
    const { components } = await fetchDocument();
    expect(components.securitySchemes.bearerAuth).toMatchObject({
      type: "http",
      scheme: "bearer",
      bearerFormat: "JWT",
    });
    expect(components.securitySchemes.apiKey).toMatchObject({ type: "apiKey", in: "header", name: "x-api-key" });
  });

  it("documents /api/users/{id} with its methods, parameter, component and errors", async () => {
    const document = await fetchDocument();
    const item = document.paths["/api/users/{id}"]!;
    expect(Object.keys(item).sort()).toEqual(["delete", "get", "put"]);
    expect(item.get!.parameters).toEqual([
      expect.objectContaining({
        name: "id",
        in: "path",
        required: true,
        schema: expect.objectContaining({ format: "uuid" }),
      }),
    ]);
    expect(item.get!.responses["200"]).toMatchObject({
      content: { "application/json": { schema: { properties: { data: { $ref: "#/components/schemas/User" } } } } },
    });
    expect(document.components.schemas.User).toMatchObject({
      type: "object",
      properties: { createdAt: { type: "string", format: "date-time" } },
    });
    expect(item.get!.security).toEqual([{ bearerAuth: [] }, { apiKey: [] }]);
    expect(item.get!.description).toContain("API key scopes: read.");
    expect(item.put!.security).toEqual([{ bearerAuth: [] }]);
    expect(item.put!.description).toContain("Roles: owner, admin.");
    expect(item.put!.requestBody).toMatchObject({ required: true, content: { "application/json": {} } });
    expect(Object.keys(item.put!.responses)).toEqual(
      expect.arrayContaining(["200", "400", "401", "403", "404", "405", "409", "413", "415", "422", "500"]),
    );
    expect(item.delete!.responses["204"]).toBeDefined();
    expect(item.delete!.responses["204"]).not.toHaveProperty("content");
  });

  it("requires credentials exactly where the route does", async () => {
    const document = await fetchDocument();
    for (const { path, method, op } of operationsOf(document)) {
      const where = `${method.toUpperCase()} ${path}`;
      if (op.security.length) {
        expect(op.responses["401"], where).toEqual({ $ref: "#/components/responses/Unauthorized" });
        expect(op.responses["403"], where).toBeDefined();
      } else {
        expect(op.responses["401"], where).toBeUndefined();
      }
      expect(op.responses["405"], where).toBeDefined();
      expect(op.responses["500"], where).toBeDefined();
    }
    expect(document.paths["/api/health"]!.get!.security).toEqual([]);
    expect(document.paths["/api/health"]!.get!.responses["503"]).toEqual({
      $ref: "#/components/responses/ServiceUnavailable",
    });
    expect(document.paths["/api/auth/login"]!.post!.security).toEqual([]);
    expect(document.paths["/api/auth/login"]!.post!.responses["429"]).toEqual({
      $ref: "#/components/responses/TooManyRequests",
    });
    expect(document.components.responses.TooManyRequests).toMatchObject({ headers: { "Retry-After": {} } });
    // A key-only operation (roles: []) offers API keys alone, and says users cannot call it.
    const evaluate = document.paths["/api/ai-policy-helper/evaluate-return"]!.post!;
    expect(evaluate.security).toEqual([{ apiKey: [] }]);
    expect(evaluate.description).toContain("Not available to users.");
  });

  it("describes lists with the pagination envelope and query parameters", async () => {
    const document = await fetchDocument();
    const list = document.paths["/api/users"]!.get!;
    expect(list.parameters).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: "limit", in: "query", required: false }),
        expect.objectContaining({ name: "search", in: "query", description: expect.any(String) }),
      ]),
    );
    expect(list.responses["200"]).toMatchObject({
      content: {
        "application/json": {
          schema: {
            properties: {
              data: { type: "array", items: { $ref: "#/components/schemas/User" } },
              pagination: { $ref: "#/components/schemas/Pagination" },
            },
          },
        },
      },
    });
  });

  it("is self-consistent: unique operation ids, every $ref resolves, no leftovers of zod's output", async () => {
    const document = await fetchDocument();
    const ids = operationsOf(document).map(({ op }) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    const refs = refsOf(document);
    expect(refs.length).toBeGreaterThan(50);
    for (const [ref, at] of refs) {
      expect(ref, at).toMatch(/^#\/components\/(schemas|responses|headers)\//);
      expect(resolvePointer(document, ref), `${ref} at ${at}`).toBeDefined();
    }
    const text = JSON.stringify(document);
    expect(text).not.toContain('"$defs"');
    expect(text).not.toContain('"$schema"');
    expect(text).not.toContain("~standard");
    expect(document.components.schemas.Error).toMatchObject({
      required: ["error"],
      properties: { error: { required: ["code", "message"] } },
    });
  });

  it("answers other methods 405 with Allow", async () => {
    const res = await call(openapi, { method: "POST", body: {} });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toContain("GET");
    expect(res.body.error.code).toBe("METHOD_NOT_ALLOWED");
  });
});

describe("GET /api/docs", () => {
  it("answers an HTML API reference that loads the document", async () => {
    const res = await call(docs);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(res.text).toContain('data-url="/api/openapi.json"');
  });

  it("loads every script from the site itself, files of public/", async () => {
    const res = await call(docs);
    const sources = [...res.text.matchAll(/<script[^>]*\ssrc="([^"]+)"/g)].map((match) => match[1] ?? "");
    expect(sources).toEqual(["/docs-setup.js", "/vendor/scalar-api-reference.js"]);
    expect(res.text).not.toMatch(/https?:\/\//);
    // public/vendor/ is filled by `npm run docs:assets` (the build, npm start); the setup file is committed.
    expect(readFileSync(new URL("../../public/docs-setup.js", import.meta.url), "utf8")).toContain("jitless");
    // Inline scripts would need 'unsafe-inline': the only script without src carries data, not code.
    expect([...res.text.matchAll(/<script(?![^>]*\ssrc=)[^>]*>/g)].map((match) => match[0])).toEqual([
      expect.stringContaining('type="application/json"'),
    ]);
  });

  it("sends a Content-Security-Policy allowing only the site, no sniffing and no framing", async () => {
    const res = await call(docs);
    const policy = Object.fromEntries(
      (res.headers.get("content-security-policy") ?? "").split(";").map((directive) => {
        const [name = "", ...values] = directive.trim().split(/\s+/);
        return [name, values.join(" ")];
      }),
    );
    expect(policy).toMatchObject({
      "default-src": "'self'",
      "script-src": "'self'",
      // Scalar injects its stylesheet as <style> elements.
      "style-src": "'self' 'unsafe-inline'",
      "connect-src": "'self'",
      "object-src": "'none'",
      "frame-ancestors": "'none'",
    });
    for (const sources of Object.values(policy)) expect(sources).not.toMatch(/https?:|\*/);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
  });
});

describe("buildOpenApiDocument", () => {
  const module = (path: `/${string}`, operations: Parameters<typeof route>[1]) => ({
    default: route({ path }, operations),
  });

  it("gives a shared id's input shape its own component when it differs from the output", () => {
    const widget = z.object({ size: z.number().default(1), madeAt: z.date() }).meta({ id: "TestWidget" });
    const document = buildOpenApiDocument({
      widgets: module("/api/widgets", {
        POST: operation({
          summary: "Make a widget",
          access: "public",
          body: z.object({ widget }),
          response: widget,
          status: 201,
          handler: () => ({ size: 1, madeAt: new Date() }),
        }),
      }),
    });
    const { TestWidget, TestWidgetInput } = document.components.schemas;
    expect(TestWidget).toMatchObject({ required: ["size", "madeAt"], additionalProperties: false });
    expect(TestWidgetInput).toMatchObject({ required: ["madeAt"], properties: { madeAt: { format: "date-time" } } });
    const post = document.paths["/api/widgets"]!.post!;
    expect(post.requestBody).toMatchObject({
      content: {
        "application/json": { schema: { properties: { widget: { $ref: "#/components/schemas/TestWidgetInput" } } } },
      },
    });
    expect(post.responses["201"]).toMatchObject({
      content: {
        "application/json": { schema: { properties: { data: { $ref: "#/components/schemas/TestWidget" } } } },
      },
    });
  });

  it("refuses two different schemas with one id", () => {
    const a = z.object({ a: z.string() }).meta({ id: "TestTwin" });
    const b = z.object({ b: z.string() }).meta({ id: "TestTwin" });
    const read = (response: z.ZodType) =>
      operation({ summary: "Read", access: "public", response, handler: () => ({}) });
    expect(() =>
      buildOpenApiDocument({ a: module("/api/a", { GET: read(a) }), b: module("/api/b", { GET: read(b) }) }),
    ).toThrow(/TestTwin/);
  });

  it("turns recursive schemas without an id into components, and documents undeclared path params", () => {
    interface TreeNode {
      name: string;
      children: TreeNode[];
    }
    const tree: z.ZodType<TreeNode> = z.lazy(() => z.object({ name: z.string(), children: z.array(tree) }));
    const document = buildOpenApiDocument({
      trees: module("/api/trees/:treeId", {
        GET: operation({ summary: "A tree", access: { roles: ["owner"] }, response: tree, handler: () => ({}) }),
        PUT: operation({
          summary: "Replace a tree",
          access: { scopes: ["write"] },
          body: tree,
          status: 204,
          handler: () => undefined,
        }),
      }),
    });
    const get = document.paths["/api/trees/{treeId}"]!.get!;
    expect(get.parameters).toEqual([{ name: "treeId", in: "path", required: true, schema: { type: "string" } }]);
    expect(get.description).toBe("Roles: owner. Not available to API keys.");
    const put = document.paths["/api/trees/{treeId}"]!.put!;
    expect(put.description).toBe("Roles: any member of the tenant. API key scopes: write.");
    for (const [ref, at] of refsOf(document)) {
      expect(resolvePointer(document, ref), `${ref} at ${at}`).toBeDefined();
    }
    expect(JSON.stringify(document)).not.toContain('"$ref":"#"');
  });
});
