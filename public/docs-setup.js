// Loaded by /api/docs before Scalar's bundle (public/vendor/): the zod inside it probes for eval
// with `new Function`, which the page's Content-Security-Policy forbids; jitless skips the probe.
globalThis.__zod_globalConfig = { ...globalThis.__zod_globalConfig, jitless: true };
