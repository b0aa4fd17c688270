import { afterEach, describe, expect, it } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import SiteForm from "./SiteForm.svelte";
import type { Site } from "../bindings/Site";

afterEach(() => {
  cleanup();
  clearMocks();
});

const stored: Site = {
  id: 3, name: "Shop FR", platform: "ha", iadvize_site_id: 4521,
  zendesk_domain: "https://acme.zendesk.com", zendesk_email: "admin@acme.example",
  zendesk_auth: "api_token", zendesk_oauth_client_id: null, country: "France",
  start_from: "2026-11-01T00:00:00Z", autosave_enabled: false, autosave_form_id: null,
  escalation_enabled: false, escalation_form_id: null, escalation_note_label: "",
  grace_seconds: 300, delivery_mode: "import", poll_seconds: 60,
  conversation_url_template: "https://{platform}.iadvize.com/admin/conversation/{conversation_id}",
  requester_policy: "create_end_user", zendesk_api_url: null, iadvize_api_url: null,
  secrets: [
    { kind: "zendesk_api_token", stored_at: "2026-11-26T10:00:00Z" },
    { kind: "iadvize_rest_api_key", stored_at: "2026-11-26T10:00:00Z" },
    { kind: "iadvize_graphql_token", stored_at: "2026-11-26T10:00:00Z" },
  ],
  created_at: "2026-11-01T00:00:00Z", updated_at: "2026-11-26T10:00:00Z",
};

describe("site form", () => {
  it("in edit mode shows settings but never a secret, and says secrets are stored", () => {
    render(SiteForm, { site: stored, onsaved: () => {}, oncancel: () => {} });
    expect((screen.getByLabelText("Display name") as HTMLInputElement).value).toBe("Shop FR");
    for (const label of ["Zendesk API token", "iAdvize REST API key", "iAdvize GraphQL token"]) {
      const input = screen.getByLabelText(label) as HTMLInputElement;
      expect(input.type).toBe("password");
      expect(input.value).toBe("");
    }
    expect(screen.getAllByText("Stored in the keychain. Leave empty to keep it.")).toHaveLength(3);
    expect(screen.getByTestId("api-token-notice")).toBeTruthy();
  });

  it("shows the core's field errors inline after a refused save, and keeps what was typed", async () => {
    const calls: { cmd: string; args: unknown }[] = [];
    mockIPC((cmd, args) => {
      calls.push({ cmd, args });
      if (cmd === "create_site") {
        throw {
          code: "site.invalid",
          message: "Some settings need fixing",
          fields: [
            { field: "zendesk_domain", code: "not_zendesk", message: "acme.example.com is not a Zendesk address." },
            { field: "secrets.iadvize_graphql_token", code: "required", message: "Paste an iAdvize GraphQL token." },
          ],
        };
      }
      return [];
    });
    render(SiteForm, { site: null, onsaved: () => {}, oncancel: () => {} });
    const domain = screen.getByLabelText("Zendesk domain") as HTMLInputElement;
    await fireEvent.input(domain, { target: { value: "acme.example.com" } });
    await fireEvent.click(screen.getByTestId("save"));
    await waitFor(() => expect(screen.getByTestId("error-zendesk_domain").textContent).toContain("not a Zendesk address"));
    expect(screen.getByTestId("error-secrets.iadvize_graphql_token")).toBeTruthy();
    expect(screen.getByTestId("form-error").textContent).toContain("Some settings need fixing");
    expect(domain.value).toBe("acme.example.com");
    const create = calls.find((c) => c.cmd === "create_site")!;
    expect((create.args as { draft: { zendesk_domain: string } }).draft.zendesk_domain).toBe("acme.example.com");
  });
});
