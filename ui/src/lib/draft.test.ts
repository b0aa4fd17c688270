import { describe, expect, it } from "vitest";
import { toDraft, valuesFrom } from "./draft";

describe("form values to the core's draft", () => {
  it("a new site starts on OAuth with empty values", () => {
    const v = valuesFrom(null);
    expect(v.zendesk_auth).toBe("oauth_client");
    expect(v.name).toBe("");
  });

  it("sends only the secrets typed, and only the one of the chosen credential kind", () => {
    const v = valuesFrom(null);
    v.name = "Shop";
    v.zendesk_auth = "api_token";
    v.secrets.zendesk_api_token = "tok";
    v.secrets.zendesk_oauth_client_secret = "left over from switching";
    v.secrets.iadvize_rest_api_key = "  ";
    const d = toDraft(v);
    expect(d.secrets).toEqual({
      zendesk_api_token: "tok",
      zendesk_oauth_client_secret: undefined,
      iadvize_rest_api_key: undefined,
      iadvize_graphql_token: undefined,
    });
    expect(d.country).toBeUndefined();
  });

  it("converts the local start time to an instant and keeps garbage for the core to name", () => {
    const v = valuesFrom(null);
    v.start_from = "2026-11-01T08:30";
    expect(toDraft(v).start_from).toBe(new Date("2026-11-01T08:30").toISOString());
    v.start_from = "soon";
    expect(toDraft(v).start_from).toBe("soon");
  });
});
