import type { ApiKeyScope, Role } from "../../db/schema";
import * as apiKeys from "../../netlify/functions/platform-api-keys";
import * as login from "../../netlify/functions/platform-auth-login";
import * as register from "../../netlify/functions/platform-auth-register";
import * as users from "../../netlify/functions/platform-users";
import { call } from "./http";

// Tenants, members and API keys made through the real functions, for the tests and `npm run bench`
// (scripts/dev/ holds what both use; production code never imports it).

let sequence = 0;
/** A string unique to this test run, so tenants created by parallel tests never collide. */
export function unique(label: string): string {
  sequence += 1;
  return `${label}-${process.pid}-${Date.now().toString(36)}-${sequence}`;
}

export interface Account {
  tenantId: string;
  tenantName: string;
  userId: string;
  email: string;
  password: string;
  role: Role;
  accessToken: string;
  refreshToken: string;
}

/** Registers a new tenant through the real register function and returns its owner. */
export async function registerTenant(label = "tenant"): Promise<Account> {
  const tenantName = unique(`${label} business`);
  const email = `${unique(label)}@example.test`.toLowerCase();
  const password = "correct horse battery";
  const response = await call(register, {
    method: "POST",
    body: { tenantName, name: `${label} owner`, email, password },
  });
  if (response.status !== 201) throw new Error(`register failed: ${response.status} ${response.text}`);
  const session = response.body.data;
  return {
    tenantId: session.tenant.id,
    tenantName,
    userId: session.user.id,
    email,
    password,
    role: "owner",
    accessToken: session.accessToken,
    refreshToken: session.refreshToken,
  };
}

/** Adds a user with `role` to the owner's tenant and signs them in. */
export async function addMember(owner: Account, role: Role): Promise<Account> {
  const email = `${unique(role)}@example.test`.toLowerCase();
  const password = "another good password";
  const created = await call(users, {
    method: "POST",
    token: owner.accessToken,
    body: { email, name: `A ${role}`, role, password },
  });
  if (created.status !== 201) throw new Error(`create user failed: ${created.status} ${created.text}`);
  const signedIn = await call(login, { method: "POST", body: { email, password } });
  if (signedIn.status !== 200) throw new Error(`login failed: ${signedIn.status} ${signedIn.text}`);
  return {
    tenantId: owner.tenantId,
    tenantName: owner.tenantName,
    userId: created.body.data.id,
    email,
    password,
    role,
    accessToken: signedIn.body.data.accessToken,
    refreshToken: signedIn.body.data.refreshToken,
  };
}

export async function createApiKey(owner: Account, scopes: ApiKeyScope[]): Promise<{ id: string; key: string }> {
  const response = await call(apiKeys, {
    method: "POST",
    token: owner.accessToken,
    body: { name: unique("key"), scopes },
  });
  if (response.status !== 201) throw new Error(`create key failed: ${response.status} ${response.text}`);
  return { id: response.body.data.id, key: response.body.data.key };
}
