/**
 * Frontdesk's layer rules (DESIGN.md §1), checked by `npm run lint` (dependency-cruiser).
 *
 * The module graph below is the one place it lives. A module that stands on the platform alone
 * needs no line: any folder under services/ not named in MODULES may import services/platform/ and
 * no other module. A module that stands on more (DESIGN.md names which) gets one line here.
 *
 * Type-only imports count like any other: a function file that needs a database type gets it
 * from a service or from shared/, so the layers read the same to the compiler and to a reader.
 * The one exception is the dev-only-packages rule, which is about what reaches a bundle, and a
 * type-only import never does.
 */

/**
 * Module → the modules its services may import (complete lists, not transitive).
 * platform ← inbox ← commerce ← returns; sales and voice stand on platform and inbox.
 * A module never imports one beside it, and platform imports no other module.
 */
const MODULES = {
  platform: [],
  inbox: ["platform"],
  commerce: ["platform", "inbox"],
  returns: ["platform", "inbox", "commerce"],
  sales: ["platform", "inbox"],
  voice: ["platform", "inbox"],
};

/** Production code: what a deployed function bundles, or the build command runs. */
const PRODUCTION = "^(netlify|services|shared|db)/";
/** Files in production folders that only tests, scripts and `npm start` use. */
const DEV_ONLY_IN_PRODUCTION_FOLDERS = ["^db/scratch\\.ts$", "^db/seed\\.ts$", "^services/[^/]+/seed\\.ts$"];

const moduleRules = Object.entries(MODULES).map(([module, allowed]) => ({
  name: `module-${module}`,
  severity: "error",
  comment:
    `services/${module} may import ${allowed.length ? `services/{${allowed.join(",")}}` : "no other module"} ` +
    "(the module graph in .dependency-cruiser.cjs; DESIGN.md §1)",
  from: { path: `^services/${module}/` },
  to: { path: "^services/", pathNot: `^services/(${[module, ...allowed].join("|")})/` },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "functions-not-db",
      severity: "error",
      comment: "netlify/ imports services/ and shared/ (and packages), never db/ or anything else (DESIGN.md §1)",
      from: { path: "^netlify/" },
      // openapi.json: the generated document platform-openapi serves; data, not code.
      to: { dependencyTypes: ["local"], pathNot: ["^(services|shared)/", "^openapi\\.json$"] },
    },
    {
      name: "services-not-http",
      severity: "error",
      comment: "services never touch Request/Response: shared/http/ is the functions' layer (DESIGN.md §1)",
      from: { path: "^services/" },
      to: { path: "^shared/http/" },
    },
    {
      name: "shared-imports-no-module",
      severity: "error",
      comment: "shared/ is the kernel: it may import db/ and packages, never services/, netlify/, tests/ or scripts/",
      from: { path: "^shared/" },
      to: { path: "^(services|netlify|tests|scripts)/" },
    },
    {
      name: "module-on-platform",
      severity: "error",
      comment:
        "a module not named in MODULES (.dependency-cruiser.cjs) stands on the platform alone: it may import " +
        "services/platform/ and no other module",
      from: { path: `^services/((?!(?:${Object.keys(MODULES).join("|")})/)[^/]+)/` },
      to: { path: "^services/", pathNot: "^services/(platform|$1)/" },
    },
    ...moduleRules,
    {
      name: "production-not-dev-code",
      severity: "error",
      comment: "production code never imports tests/ or scripts/",
      from: { path: PRODUCTION, pathNot: DEV_ONLY_IN_PRODUCTION_FOLDERS },
      to: { path: "^(tests|scripts)/" },
    },
    {
      name: "production-not-dev-packages",
      severity: "error",
      comment:
        "production code never imports a devDependency (PGlite, @netlify/dev, drizzle-kit, msw...): " +
        "it would reach a deployed bundle. Type-only imports are erased, so they may.",
      from: { path: PRODUCTION, pathNot: DEV_ONLY_IN_PRODUCTION_FOLDERS },
      to: { dependencyTypes: ["npm-dev"], dependencyTypesNot: ["type-only"] },
    },
    {
      name: "scripts-not-tests",
      severity: "error",
      comment: "only tests import tests/; what scripts share with tests lives in scripts/dev/",
      from: { pathNot: "^tests/" },
      to: { path: "^tests/" },
    },
    {
      name: "no-circular",
      severity: "error",
      comment: "no import cycles",
      from: {},
      to: { circular: true },
    },
    {
      name: "not-to-unresolvable",
      severity: "error",
      comment: "an import that resolves to nothing",
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: "no-undeclared-packages",
      severity: "error",
      comment: "a package that package.json does not declare",
      from: {},
      to: { dependencyTypes: ["npm-no-pkg", "npm-unknown"] },
    },
  ],
  options: {
    exclude: { path: "^db/migrations/" },
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    // moduleResolution Bundler: package.json "exports" with the import/types conditions.
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "types", "node", "default"],
      mainFields: ["module", "main", "types"],
      extensions: [".ts", ".js", ".mjs", ".cjs", ".json", ".d.ts"],
    },
    skipAnalysisNotInRules: true,
  },
};
