// The status line of a site in the list: what works, what needs the admin. Pure, so it is tested
// without a window; the component only renders the items.
import type { SecretKind } from "../bindings/SecretKind";
import type { Site } from "../bindings/Site";
import type { MessageKey } from "./locales";

export type Tone = "ok" | "off" | "warn" | "error";
export interface StatusItem {
  key: MessageKey;
  params?: Record<string, string | number>;
  tone: Tone;
}

const GRAPHQL_TOKEN_LIFETIME_H = 24;
/** Warn this many hours before the iAdvize GraphQL token's 24 h are up. */
const GRAPHQL_WARN_BEFORE_H = 4;
const API_TOKEN_END = Date.parse("2027-04-30T00:00:00Z");

export function requiredSecrets(site: Site): SecretKind[] {
  const zendesk: SecretKind =
    site.zendesk_auth === "api_token" ? "zendesk_api_token" : "zendesk_oauth_client_secret";
  return [zendesk, "iadvize_rest_api_key", "iadvize_graphql_token"];
}

export function missingSecrets(site: Site): SecretKind[] {
  const stored = new Set(site.secrets.map((s) => s.kind));
  return requiredSecrets(site).filter((k) => !stored.has(k));
}

export function siteStatus(site: Site, now: number): StatusItem[] {
  const items: StatusItem[] = [
    site.autosave_enabled
      ? { key: "status.autosave_on", tone: "ok" }
      : { key: "status.autosave_off", tone: "off" },
    site.escalation_enabled
      ? { key: "status.escalation_on", tone: "ok" }
      : { key: "status.escalation_off", tone: "off" },
  ];
  const missing = missingSecrets(site);
  items.push(
    missing.length === 0
      ? { key: "status.secrets_ok", tone: "ok" }
      : { key: "status.secrets_missing", params: { list: missing.join(", ") }, tone: "error" },
  );
  const token = site.secrets.find((s) => s.kind === "iadvize_graphql_token");
  if (token) {
    const ageH = (now - Date.parse(token.stored_at)) / 3_600_000;
    const leftH = GRAPHQL_TOKEN_LIFETIME_H - ageH;
    if (leftH <= 0) items.push({ key: "status.token_expired", tone: "error" });
    else if (leftH <= GRAPHQL_WARN_BEFORE_H)
      items.push({ key: "status.token_expiring", params: { hours: Math.max(1, Math.floor(leftH)) }, tone: "warn" });
  }
  if (site.zendesk_auth === "api_token" && now < API_TOKEN_END)
    items.push({ key: "status.api_token_retiring", tone: "warn" });
  if (site.zendesk_api_url || site.iadvize_api_url) items.push({ key: "status.overrides", tone: "off" });
  return items;
}
