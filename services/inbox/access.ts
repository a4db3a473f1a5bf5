import { ROLES, type Role } from "../../db/schema";

/**
 * Who reads and writes the inbox's conversations and messages. Sales conversations are inbox
 * conversations too, and the inbox cannot tell one rep's prospect from another's: a sales_rep reads
 * theirs through the sales routes, which limit a rep to their own prospects, so the inbox routes
 * refuse them outright rather than leak every rep's conversations.
 */

/** Read conversations and messages: every role but sales_rep. */
export const INBOX_READERS: readonly Role[] = ROLES.filter((role) => role !== "sales_rep");

/** Change them: the readers but QA supervisors and compliance officers, who review without changing. */
export const INBOX_WRITERS: readonly Role[] = INBOX_READERS.filter(
  (role) => role !== "qa_supervisor" && role !== "compliance_officer",
);
