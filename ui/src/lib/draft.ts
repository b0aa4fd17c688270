// The add / edit form's values and their translation to the core's SiteDraft. Secrets typed into
// the form go to the core once and are never read back: in edit mode their inputs start empty.
import type { Platform } from "../bindings/Platform";
import type { SecretKind } from "../bindings/SecretKind";
import type { Site } from "../bindings/Site";
import type { SiteDraft } from "../bindings/SiteDraft";
import type { ZendeskAuthKind } from "../bindings/ZendeskAuthKind";

export interface FormValues {
  name: string;
  platform: Platform;
  iadvize_site_id: string;
  country: string;
  zendesk_domain: string;
  zendesk_email: string;
  zendesk_auth: ZendeskAuthKind;
  zendesk_oauth_client_id: string;
  start_from: string; // datetime-local value, local time
  zendesk_api_url: string;
  iadvize_api_url: string;
  secrets: Record<SecretKind, string>;
}

export function emptySecrets(): Record<SecretKind, string> {
  return {
    zendesk_api_token: "",
    zendesk_oauth_client_secret: "",
    iadvize_rest_api_key: "",
    iadvize_graphql_token: "",
  };
}

/** `2026-11-01T08:30:00Z` -> `2026-11-01T09:30` in the machine's time zone. */
export function toLocalInput(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function valuesFrom(site: Site | null): FormValues {
  return {
    name: site?.name ?? "",
    platform: site?.platform ?? "ha",
    iadvize_site_id: site ? String(site.iadvize_site_id) : "",
    country: site?.country ?? "",
    zendesk_domain: site?.zendesk_domain ?? "",
    zendesk_email: site?.zendesk_email ?? "",
    zendesk_auth: site?.zendesk_auth ?? "oauth_client",
    zendesk_oauth_client_id: site?.zendesk_oauth_client_id ?? "",
    start_from: site ? toLocalInput(site.start_from) : "",
    zendesk_api_url: site?.zendesk_api_url ?? "",
    iadvize_api_url: site?.iadvize_api_url ?? "",
    secrets: emptySecrets(),
  };
}

const opt = (v: string) => (v.trim() === "" ? undefined : v);

export function toDraft(v: FormValues): SiteDraft {
  let start_from: string | undefined;
  if (v.start_from.trim() !== "") {
    const d = new Date(v.start_from);
    // An unparsable value goes to the core as typed, so its message names it.
    start_from = Number.isNaN(d.getTime()) ? v.start_from : d.toISOString();
  }
  return {
    name: v.name,
    platform: v.platform,
    iadvize_site_id: v.iadvize_site_id,
    zendesk_domain: v.zendesk_domain,
    zendesk_email: v.zendesk_email,
    zendesk_auth: v.zendesk_auth,
    zendesk_oauth_client_id: opt(v.zendesk_oauth_client_id),
    country: opt(v.country),
    start_from,
    zendesk_api_url: opt(v.zendesk_api_url),
    iadvize_api_url: opt(v.iadvize_api_url),
    secrets: {
      zendesk_api_token: v.zendesk_auth === "api_token" ? opt(v.secrets.zendesk_api_token) : undefined,
      zendesk_oauth_client_secret:
        v.zendesk_auth === "oauth_client" ? opt(v.secrets.zendesk_oauth_client_secret) : undefined,
      iadvize_rest_api_key: opt(v.secrets.iadvize_rest_api_key),
      iadvize_graphql_token: opt(v.secrets.iadvize_graphql_token),
    },
  };
}
