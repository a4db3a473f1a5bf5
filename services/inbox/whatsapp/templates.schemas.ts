import { createSelectSchema } from "drizzle-zod";
import { z } from "zod";
import { TEMPLATE_CATEGORIES, TEMPLATE_STATUSES, whatsappTemplates } from "../../../db/schema";
import { anyCaseEnum, booleanQuery, idParams, pageQuery, storableText, trimmedText } from "../../../shared/schemas";

/**
 * Request and response shapes of WhatsApp message templates (spec 003's /api/templates). A new
 * template's components are checked against Meta's rules for creating one
 * (https://developers.facebook.com/docs/whatsapp/business-management-api/message-templates/components),
 * so a template Meta would refuse for its shape is a 400 naming the component, not a 502.
 */

/** Meta's limits on a template and its components. */
const LIMITS = {
  name: 512,
  headerText: 60,
  bodyText: 1024,
  footerText: 60,
  buttons: 10,
  buttonText: 25,
  url: 2000,
  phoneNumber: 20,
  couponCode: 15,
  urlButtons: 2,
  phoneButtons: 1,
  copyCodeButtons: 1,
} as const;

/** Meta's language codes: `en`, `en_US`, `pt_BR`, `zh_HK`. */
const templateLanguage = z
  .string()
  .regex(/^[a-z]{2,3}(_[A-Za-z0-9]{2,4})?$/, "A language code Meta uses, such as en, en_US or pt_BR")
  .describe("Meta's language code: en, en_US, pt_BR …");

const templateName = z
  .string()
  .min(1)
  .max(LIMITS.name)
  .regex(/^[a-z0-9_]+$/, "Lower-case letters, digits and underscores only (Meta's rule)");

/** Text Meta shows: not blank, at most `max` characters, sent as given. */
const text = (max: number) => z.string().max(max).regex(/\S/, "Must not be blank");
const oneExample = z.array(text(LIMITS.url)).length(1);

const header = z
  .object({
    type: z.literal("HEADER"),
    format: z.enum(["TEXT", "IMAGE", "VIDEO", "DOCUMENT", "LOCATION"]),
    text: text(LIMITS.headerText).optional().describe("TEXT headers only; at most one parameter, {{1}}"),
    example: z
      .object({
        header_text: oneExample.optional().describe("The example value of {{1}}"),
        header_handle: oneExample.optional().describe("A media header's sample: a Resumable Upload API handle"),
      })
      .strict()
      .optional(),
  })
  .strict();

const body = z
  .object({
    type: z.literal("BODY"),
    text: text(LIMITS.bodyText).optional().describe("Required, except in authentication templates (Meta writes it)"),
    example: z
      .object({
        body_text: z
          .array(z.array(text(LIMITS.bodyText)).min(1))
          .min(1)
          .describe("Rows of example values, one per parameter"),
      })
      .strict()
      .optional(),
    add_security_recommendation: z.boolean().optional().describe("Authentication templates only"),
  })
  .strict();

const footer = z
  .object({
    type: z.literal("FOOTER"),
    text: text(LIMITS.footerText).optional().describe("No parameters"),
    code_expiration_minutes: z.number().int().min(1).max(90).optional().describe("Authentication templates only"),
  })
  .strict();

const buttonText = text(LIMITS.buttonText);
const button = z.discriminatedUnion("type", [
  z.object({ type: z.literal("QUICK_REPLY"), text: buttonText }).strict(),
  z
    .object({
      type: z.literal("URL"),
      text: buttonText,
      url: text(LIMITS.url)
        .regex(/^https?:\/\//, "An http(s) URL")
        .describe("May end with one parameter, {{1}}, which the message fills in"),
      example: oneExample.optional().describe("A full example URL, required when url has {{1}}"),
    })
    .strict(),
  z
    .object({
      type: z.literal("PHONE_NUMBER"),
      text: buttonText,
      phone_number: text(LIMITS.phoneNumber),
    })
    .strict(),
  z
    .object({
      type: z.literal("COPY_CODE"),
      example: text(LIMITS.couponCode).describe("The example coupon code"),
    })
    .strict(),
  z
    .object({
      type: z.literal("OTP"),
      otp_type: z.enum(["COPY_CODE", "ONE_TAP", "ZERO_TAP"]),
      text: buttonText.optional(),
      autofill_text: buttonText.optional(),
      package_name: text(256).optional(),
      signature_hash: text(256).optional(),
      zero_tap_terms_accepted: z.boolean().optional(),
      supported_apps: z
        .array(z.object({ package_name: text(256), signature_hash: text(256) }).strict())
        .max(5)
        .optional(),
    })
    .strict()
    .describe("Authentication templates only"),
]);

const buttons = z.object({ type: z.literal("BUTTONS"), buttons: z.array(button).min(1).max(LIMITS.buttons) }).strict();

type Component = z.infer<typeof component>;
type Button = z.infer<typeof button>;

/** Meta spells component, format and button types in capitals; a client may use either case. */
const CAPITALISED = new Set(["type", "format", "otp_type"]);
function capitalise(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(capitalise);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [
      key,
      CAPITALISED.has(key) && typeof item === "string"
        ? item.toUpperCase()
        : key === "buttons"
          ? capitalise(item)
          : item,
    ]),
  );
}

const component = z.discriminatedUnion("type", [header, body, footer, buttons]);

type Issue = { path: (string | number)[]; message: string };

/** What a text's parameters say between their braces, in order: `{{1}}` → "1", Meta's named `{{name}}` → "name". */
const parametersOf = (value: string) => [...value.matchAll(/\{\{([^{}]*)\}\}/g)].map((match) => match[1] ?? "");

/**
 * Checks a text's parameters: positional only, numbered from 1 in the order they first appear
 * ({{1}} … {{n}}, repeats allowed), at most `max` of them. Answers their count.
 */
function checkParameters(value: string, path: Issue["path"], issues: Issue[], max = Number.POSITIVE_INFINITY) {
  let next = 1;
  for (const parameter of parametersOf(value)) {
    if (!/^[1-9][0-9]*$/.test(parameter)) {
      issues.push({ path, message: `{{${parameter}}}: only positional parameters {{1}}, {{2}} … are supported` });
      return 0;
    }
    const position = Number(parameter);
    if (position === next) next++;
    else if (position > next) {
      issues.push({
        path,
        message: `Parameters are numbered from {{1}} in order: {{${next}}} must come before {{${position}}}`,
      });
      return 0;
    }
  }
  const count = next - 1;
  if (count > max) issues.push({ path, message: `At most ${max} parameter here` });
  return count;
}

function checkHeader(component: z.infer<typeof header>, path: Issue["path"], issues: Issue[]) {
  const { format, example } = component;
  if (format !== "TEXT") {
    if (component.text !== undefined)
      issues.push({ path: [...path, "text"], message: `A ${format} header has no text` });
    if (format === "LOCATION" && example)
      issues.push({ path: [...path, "example"], message: "A LOCATION header has no example" });
    if (format !== "LOCATION" && !example?.header_handle) {
      issues.push({
        path: [...path, "example", "header_handle"],
        message: `A ${format} header needs a sample media handle`,
      });
    }
    return;
  }
  if (component.text === undefined) {
    issues.push({ path: [...path, "text"], message: "A TEXT header needs text" });
    return;
  }
  const count = checkParameters(component.text, [...path, "text"], issues, 1);
  if (count > 0 && !example?.header_text) {
    issues.push({ path: [...path, "example", "header_text"], message: "Give an example value for {{1}}" });
  }
}

function checkBody(component: z.infer<typeof body>, path: Issue["path"], issues: Issue[], authentication: boolean) {
  if (authentication) {
    if (component.text !== undefined || component.example) {
      issues.push({ path: [...path, "text"], message: "An authentication template's body text is Meta's: give none" });
    }
    return;
  }
  if (component.add_security_recommendation !== undefined) {
    issues.push({ path: [...path, "add_security_recommendation"], message: "Authentication templates only" });
  }
  if (component.text === undefined) {
    issues.push({ path: [...path, "text"], message: "The body needs text" });
    return;
  }
  const count = checkParameters(component.text, [...path, "text"], issues);
  if (count === 0) return;
  if (/^\s*\{\{|\}\}\s*$/.test(component.text)) {
    issues.push({ path: [...path, "text"], message: "A parameter cannot start or end the body (Meta's rule)" });
  }
  const rows = component.example?.body_text;
  if (!rows) {
    issues.push({
      path: [...path, "example", "body_text"],
      message: `Give example values for the ${count} parameters`,
    });
  } else if (rows.some((row) => row.length !== count)) {
    issues.push({ path: [...path, "example", "body_text"], message: `Each example row needs ${count} values` });
  }
}

function checkFooter(component: z.infer<typeof footer>, path: Issue["path"], issues: Issue[], authentication: boolean) {
  if (authentication) {
    if (component.text !== undefined)
      issues.push({
        path: [...path, "text"],
        message: "An authentication template's footer is Meta's: give code_expiration_minutes only",
      });
    return;
  }
  if (component.code_expiration_minutes !== undefined) {
    issues.push({ path: [...path, "code_expiration_minutes"], message: "Authentication templates only" });
  }
  if (component.text === undefined) issues.push({ path: [...path, "text"], message: "The footer needs text" });
  else if (parametersOf(component.text).length > 0)
    issues.push({ path: [...path, "text"], message: "A footer has no parameters" });
}

function checkButtons(list: Button[], path: Issue["path"], issues: Issue[], authentication: boolean) {
  const count = (type: Button["type"]) => list.filter((item) => item.type === type).length;
  if (authentication) {
    if (list.length !== 1 || list[0]?.type !== "OTP") {
      issues.push({ path, message: "An authentication template has exactly one button, of type OTP" });
    }
    return;
  }
  for (const [type, max] of [
    ["URL", LIMITS.urlButtons],
    ["PHONE_NUMBER", LIMITS.phoneButtons],
    ["COPY_CODE", LIMITS.copyCodeButtons],
  ] as const) {
    if (count(type) > max) issues.push({ path, message: `At most ${max} ${type} button${max > 1 ? "s" : ""}` });
  }
  // Quick replies and the other buttons form two groups, in either order (Meta refuses them interleaved).
  const groups = list.filter(
    (item, i) => i === 0 || (item.type === "QUICK_REPLY") !== (list[i - 1]?.type === "QUICK_REPLY"),
  );
  if (groups.length > 2)
    issues.push({ path, message: "Quick replies must be grouped together, before or after the other buttons" });
  list.forEach((item, i) => {
    const at = [...path, i];
    if (item.type === "OTP")
      issues.push({ path: [...at, "type"], message: "OTP buttons are for authentication templates" });
    if (item.type !== "URL") return;
    const parameters = checkParameters(item.url, [...at, "url"], issues, 1);
    if (parameters > 0 && !item.url.endsWith("}}")) {
      issues.push({ path: [...at, "url"], message: "A URL's parameter, {{1}}, goes at its end" });
    }
    if (parameters > 0 && !item.example) issues.push({ path: [...at, "example"], message: "Give a full example URL" });
  });
}

/**
 * Meta's rules across a template's components: one BODY, at most one HEADER, FOOTER and BUTTONS;
 * an authentication template is Meta's fixed text (a body with add_security_recommendation, a footer
 * with code_expiration_minutes, one OTP button, no header).
 */
function checkComponents(value: { category: string; components: Component[] }, ctx: z.RefinementCtx) {
  const issues: Issue[] = [];
  const authentication = value.category === "authentication";
  const types = value.components.map((item) => item.type);
  for (const type of ["HEADER", "FOOTER", "BUTTONS"] as const) {
    if (types.filter((t) => t === type).length > 1)
      issues.push({ path: ["components"], message: `At most one ${type} component` });
  }
  if (types.filter((t) => t === "BODY").length !== 1)
    issues.push({ path: ["components"], message: "Exactly one BODY component" });
  if (authentication && !types.includes("BUTTONS"))
    issues.push({ path: ["components"], message: "An authentication template needs its OTP button" });
  value.components.forEach((item, i) => {
    const path = ["components", i];
    if (item.type === "HEADER") {
      if (authentication) issues.push({ path, message: "An authentication template has no header" });
      else checkHeader(item, path, issues);
    } else if (item.type === "BODY") checkBody(item, path, issues, authentication);
    else if (item.type === "FOOTER") checkFooter(item, path, issues, authentication);
    else checkButtons(item.buttons, [...path, "buttons"], issues, authentication);
  });
  for (const issue of issues) ctx.addIssue({ code: "custom", ...issue });
}

/** Spec 003's POST /api/templates: `{ name, category, language, components }`, checked against Meta's rules. */
export const createTemplateBody = z
  .object({
    name: templateName.describe("Lower-case letters, digits and underscores; at most 512 characters"),
    category: anyCaseEnum(TEMPLATE_CATEGORIES),
    language: templateLanguage,
    components: z
      .preprocess(capitalise, z.array(component).min(1).max(4))
      .describe(
        "Meta's components: exactly one BODY (text ≤ 1024), at most one HEADER (TEXT ≤ 60, IMAGE, VIDEO, DOCUMENT " +
          "or LOCATION), FOOTER (≤ 60) and BUTTONS (≤ 10: QUICK_REPLY, URL ≤ 2, PHONE_NUMBER ≤ 1, COPY_CODE ≤ 1; " +
          "OTP in authentication templates). Types in either case; sent to Meta in capitals. Parameters are " +
          "positional, {{1}} … {{n}} in order, with the examples Meta requires",
      ),
  })
  .strict()
  .superRefine(checkComponents);

export type NewTemplateInput = z.infer<typeof createTemplateBody>;

export const listTemplatesQuery = pageQuery
  .extend({
    status: anyCaseEnum(TEMPLATE_STATUSES).optional().describe("Meta's review status; `deleted` lists deleted ones"),
    category: anyCaseEnum(TEMPLATE_CATEGORIES).optional(),
    language: templateLanguage.optional(),
    name: trimmedText(LIMITS.name).optional().describe("Templates whose name contains this text, in any case"),
    includeDeleted: booleanQuery.default(false).describe("Also templates deleted here or at Meta (default false)"),
  })
  .strict();

export const templateIdParams = idParams.strict();

export const template = createSelectSchema(whatsappTemplates, {
  category: z.enum(TEMPLATE_CATEGORIES),
  status: (column) =>
    column.describe("Meta's status, lower case: pending, approved, rejected, paused, disabled, deleted …"),
  components: z.array(z.record(z.string(), z.unknown())),
  metaTemplateId: (column) => column.describe("Meta's id of the template"),
  businessAccountId: (column) => column.describe("The WhatsApp Business Account the template belongs to"),
})
  .omit({ tenantId: true })
  .meta({ id: "WhatsAppTemplate" });

/**
 * A template as `GET /{waba-id}/message_templates` lists it, as far as the refresh job stores it:
 * one Meta holds in a category Frontdesk does not know is skipped, not stored wrongly.
 */
export const listedTemplate = z.looseObject({
  id: z.string().min(1).max(100),
  name: storableText.pipe(z.string().min(1).max(LIMITS.name)),
  language: storableText.pipe(z.string().min(1).max(20)),
  status: z
    .string()
    .min(1)
    .max(40)
    .transform((value) => value.toLowerCase()),
  category: z
    .string()
    .transform((value) => value.toLowerCase())
    .pipe(z.enum(TEMPLATE_CATEGORIES)),
  components: z.array(z.record(z.string(), z.unknown())).default([]),
  rejected_reason: storableText.optional(),
  quality_score: z.union([z.looseObject({ score: z.string().optional() }), z.string()]).optional(),
  parameter_format: z.string().max(40).optional(),
});
