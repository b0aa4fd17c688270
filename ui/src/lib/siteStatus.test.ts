import { describe, expect, it } from "vitest";
import type { Site } from "../bindings/Site";
import { missingSecrets, siteStatus } from "./siteStatus";

const NOW = Date.parse("2026-11-26T12:00:00Z");
const hoursAgo = (h: number) => new Date(NOW - h * 3_600_000).toISOString();

function site(over: Partial<Site> = {}): Site {
  return {
    id: 1, name: "Shop", platform: "ha", iadvize_site_id: 4521,
    zendesk_domain: "https://acme.zendesk.com", zendesk_email: "a@acme.example",
    zendesk_auth: "oauth_client", zendesk_oauth_client_id: "c", country: "France",
    start_from: hoursAgo(48), autosave_enabled: false, autosave_form_id: null,
    escalation_enabled: false, escalation_form_id: null, escalation_note_label: "",
    grace_seconds: 300, delivery_mode: "import", poll_seconds: 60,
    conversation_url_template: "https://{platform}.iadvize.com/admin/conversation/{conversation_id}",
    requester_policy: "create_end_user", zendesk_api_url: null, iadvize_api_url: null,
    secrets: [
      { kind: "zendesk_oauth_client_secret", stored_at: hoursAgo(2) },
      { kind: "iadvize_rest_api_key", stored_at: hoursAgo(2) },
      { kind: "iadvize_graphql_token", stored_at: hoursAgo(2) },
    ],
    created_at: hoursAgo(48), updated_at: hoursAgo(2),
    ...over,
  };
}

const keys = (s: Site) => siteStatus(s, NOW).map((i) => i.key);

describe("site status line", () => {
  it("a complete OAuth site with a fresh token shows its switches and stored secrets only", () => {
    expect(keys(site())).toEqual(["status.autosave_off", "status.escalation_off", "status.secrets_ok"]);
  });

  it("names missing secrets for the credential kind in use", () => {
    const s = site({ zendesk_auth: "api_token" });
    expect(missingSecrets(s)).toEqual(["zendesk_api_token"]);
    const item = siteStatus(s, NOW).find((i) => i.key === "status.secrets_missing")!;
    expect(item.tone).toBe("error");
    expect(item.params).toEqual({ list: "zendesk_api_token" });
  });

  it("warns before the GraphQL token's 24 hours are up, and says when it expired", () => {
    const withToken = (h: number) =>
      site({ secrets: [...site().secrets.filter((x) => x.kind !== "iadvize_graphql_token"), { kind: "iadvize_graphql_token", stored_at: hoursAgo(h) }] });
    expect(keys(withToken(19))).not.toContain("status.token_expiring");
    const expiring = siteStatus(withToken(21.5), NOW).find((i) => i.key === "status.token_expiring")!;
    expect(expiring.params).toEqual({ hours: 2 });
    expect(keys(withToken(25))).toContain("status.token_expired");
  });

  it("reminds API-token sites that Zendesk retires tokens, and shows overrides", () => {
    const s = site({
      zendesk_auth: "api_token",
      zendesk_api_url: "http://127.0.0.1:9",
      secrets: [{ kind: "zendesk_api_token", stored_at: hoursAgo(1) }, ...site().secrets.slice(1)],
    });
    expect(keys(s)).toEqual([
      "status.autosave_off", "status.escalation_off", "status.secrets_ok",
      "status.api_token_retiring", "status.overrides",
    ]);
    expect(keys({ ...s, autosave_enabled: true })[0]).toBe("status.autosave_on");
  });
});
