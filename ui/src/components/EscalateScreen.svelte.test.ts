import { afterEach, describe, expect, it } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import EscalateScreen from "./EscalateScreen.svelte";
import type { RebuiltForm } from "../bindings/RebuiltForm";
import type { RecentConversations } from "../bindings/RecentConversations";
import type { Site } from "../bindings/Site";

afterEach(() => {
  cleanup();
  clearMocks();
});

const form: RebuiltForm = {
  form_id: 1, form_name: "Escalations", form_active: true, system_fields: [], skipped: [], warnings: [], fields: [],
  note: { id: "private_note", label: "Summary", label_is_default: false },
};

const recent: RecentConversations = {
  since: "2026-11-19T10:00:00Z",
  partial: true,
  conversations: [
    { conversation_id: "9d3f0c1e-0000-4000-8000-000000000002", legacy_id: 4102, closed_at: "2026-11-26T09:30:00Z", channel: "CHAT", agent_name: "Karim Benali" },
    { conversation_id: "9d3f0c1e-0000-4000-8000-000000000001", legacy_id: null, closed_at: "2026-11-25T17:00:00Z", channel: "WHATSAPP", agent_name: null },
  ],
};

function ipc(calls: string[]) {
  mockIPC((cmd) => {
    calls.push(cmd);
    if (cmd === "sync_log") return [];
    if (cmd === "recent_conversations") return recent;
    if (cmd === "escalation_form") return form;
    if (cmd === "check_escalation_answers") return { status: "new", custom_fields: [], defaulted: [], dropped: [], fields: [], errors: [] };
    throw new Error(`unexpected ${cmd}`);
  });
}

describe("the escalation screen", () => {
  it("offers the conversations iAdvize closed lately when the site does not auto-save", async () => {
    const calls: string[] = [];
    ipc(calls);
    const site = { id: 7, escalation_enabled: true, autosave_enabled: false } as Site;
    render(EscalateScreen, { site, owner: true, paused: false, onsettings: () => {} });
    const select = (await screen.findByTestId("escalate-recent")) as HTMLSelectElement;
    await waitFor(() => expect(select.options.length).toBe(3));
    expect(select.options[1].text).toContain("4102");
    expect(select.options[1].text).toContain("Karim Benali");
    expect(select.options[2].text).toContain("9d3f0c1e");
    expect(select.options[2].text).toContain("WHATSAPP");
    expect(screen.getByTestId("escalate-recent-partial")).toBeTruthy();
    expect(screen.queryByTestId("escalate-pick")).toBeNull();

    await fireEvent.change(select, { target: { value: recent.conversations[1].conversation_id } });
    expect((screen.getByTestId("escalate-conversation") as HTMLInputElement).value).toBe(recent.conversations[1].conversation_id);
  });

  it("picks from the log, and asks iAdvize nothing, when the site auto-saves", async () => {
    const calls: string[] = [];
    ipc(calls);
    const site = { id: 7, escalation_enabled: true, autosave_enabled: true } as Site;
    render(EscalateScreen, { site, owner: true, paused: false, onsettings: () => {} });
    await screen.findByTestId("escalate-pick");
    await waitFor(() => expect(calls).toContain("sync_log"));
    expect(screen.queryByTestId("escalate-recent")).toBeNull();
    expect(calls).not.toContain("recent_conversations");
  });
});
