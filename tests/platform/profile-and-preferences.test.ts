import { describe, expect, it } from "vitest";
import * as profiles from "../../netlify/functions/platform-profiles";
import * as preferences from "../../netlify/functions/platform-user-preferences";
import { addMember, registerTenant } from "../../scripts/dev/fixtures";
import { call } from "../../scripts/dev/http";

describe("/api/profiles", () => {
  it("reads the user's profile with the business details", async () => {
    const owner = await registerTenant("profile");
    const res = await call(profiles, { token: owner.accessToken });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({
      userId: owner.userId,
      businessId: owner.tenantId,
      businessName: owner.tenantName,
      subscriptionPlan: "free",
      onboarded: false,
      website: null,
    });
    expect(res.statements).toBe(1);
  });

  it("lets an owner update the business and any member their own name", async () => {
    const owner = await registerTenant("profile-update");
    const res = await call(profiles, {
      method: "PUT",
      token: owner.accessToken,
      body: { businessName: "Renamed Co", website: "https://renamed.example", onboarded: true },
    });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({
      businessName: "Renamed Co",
      website: "https://renamed.example",
      onboarded: true,
    });

    const agent = await addMember(owner, "agent");
    const own = await call(profiles, { method: "PUT", token: agent.accessToken, body: { name: "Agent Smith" } });
    expect(own.body.data).toMatchObject({ name: "Agent Smith", businessName: "Renamed Co" });
    const business = await call(profiles, {
      method: "PUT",
      token: agent.accessToken,
      body: { businessName: "Mine now" },
    });
    expect(business.status).toBe(403);
  });

  it("refuses a non-http website and unknown fields are ignored only if valid", async () => {
    const owner = await registerTenant("profile-bad");
    const res = await call(profiles, {
      method: "PUT",
      token: owner.accessToken,
      body: { website: "javascript:alert(1)" },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].path).toBe("body.website");
  });
});

describe("/api/user-preferences", () => {
  it("starts from spec 000's defaults", async () => {
    const owner = await registerTenant("prefs");
    const res = await call(preferences, { token: owner.accessToken });
    expect(res.body.data).toEqual({
      language: "en",
      autoEscalate: false,
      videoEnabled: true,
      voiceEnabled: true,
      autoTranscript: true,
      tavusReplicaId: null,
      elevenlabsVoiceId: null,
      preferredChatMode: "normal",
      callHistoryEnabled: true,
      notificationsEnabled: true,
    });
  });

  it("merges partial updates in one statement and keeps earlier changes", async () => {
    const owner = await registerTenant("prefs-update");
    const first = await call(preferences, {
      method: "PUT",
      token: owner.accessToken,
      body: { language: "fr", autoEscalate: true },
    });
    expect(first.statements).toBe(1);
    const second = await call(preferences, {
      method: "PUT",
      token: owner.accessToken,
      body: { preferredChatMode: "whatsapp" },
    });
    expect(second.body.data).toMatchObject({
      language: "fr",
      autoEscalate: true,
      preferredChatMode: "whatsapp",
      videoEnabled: true,
    });
    const read = await call(preferences, { token: owner.accessToken });
    expect(read.body.data).toEqual(second.body.data);
  });

  it("refuses unknown keys and wrong types", async () => {
    const owner = await registerTenant("prefs-bad");
    for (const body of [{ theme: "dark" }, { autoEscalate: "yes" }, { preferredChatMode: "telegram" }, {}]) {
      const res = await call(preferences, { method: "PUT", token: owner.accessToken, body });
      expect(res.status).toBe(400);
    }
  });
});

describe("spec 000 clients: the spec's field names", () => {
  it("PUT /api/profiles takes business_name and website", async () => {
    const owner = await registerTenant("profile-spec");
    const res = await call(profiles, {
      method: "PUT",
      token: owner.accessToken,
      body: { business_name: "Spec Co", website: "https://spec.example" },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.data).toMatchObject({ businessName: "Spec Co", website: "https://spec.example" });
    const alone = await call(profiles, { method: "PUT", token: owner.accessToken, body: { business_name: "Only" } });
    expect(alone.status, alone.text).toBe(200);
    expect(alone.body.data.businessName).toBe("Only");
  });

  it("PUT /api/user-preferences takes the preferences under spec 000's snake_case names", async () => {
    const owner = await registerTenant("prefs-spec");
    const res = await call(preferences, {
      method: "PUT",
      token: owner.accessToken,
      body: {
        language: "de",
        auto_escalate: true,
        video_enabled: false,
        voice_enabled: false,
        auto_transcript: false,
        tavus_replica_id: "r-1",
        elevenlabs_voice_id: "v-1",
        preferred_chat_mode: "messenger",
        call_history_enabled: false,
        notifications_enabled: false,
      },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.data).toEqual({
      language: "de",
      autoEscalate: true,
      videoEnabled: false,
      voiceEnabled: false,
      autoTranscript: false,
      tavusReplicaId: "r-1",
      elevenlabsVoiceId: "v-1",
      preferredChatMode: "messenger",
      callHistoryEnabled: false,
      notificationsEnabled: false,
    });
    const wrong = await call(preferences, { method: "PUT", token: owner.accessToken, body: { auto_escalate: "yes" } });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.details[0].path).toBe("body.auto_escalate");
  });
});
