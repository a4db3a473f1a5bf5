import { defineMatrix } from "../helpers/security-matrix";
import { fixtures as appointments } from "./fixtures/appointments";
import { fixtures as campaigns } from "./fixtures/campaigns";
import { fixtures as conversations } from "./fixtures/conversations";
import { fixtures as handoffs } from "./fixtures/handoffs";
import { fixtures as properties } from "./fixtures/properties";
import { fixtures as prospects } from "./fixtures/prospects";
import { DELETABLE, MARKERS, ROWS, seedSalesRows } from "./rows";

/** Sales (spec 001): tenant A's rows (./rows.ts) and each area's fixtures (./fixtures/). */
export default defineMatrix({
  seed: seedSalesRows,
  fixtures: { ...properties, ...prospects, ...conversations, ...campaigns, ...appointments, ...handoffs },
  public: {
    "GET /api/properties":
      "Spec 001's anonymous read: with no credentials at all, only `?businessId=`'s available listings (the public fields a " +
      "listing site shows); with none, 401. Any credentials sent are checked as usual and read the caller's own tenant.",
  },
  markers: () => [...Object.values(ROWS), ...Object.values(DELETABLE), ...Object.values(MARKERS)],
});
