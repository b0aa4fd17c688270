import { afterEach, describe, expect, it } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import LiveRebuiltForm from "./LiveRebuiltForm.svelte";
import type { EscalationValidatedAnswers } from "../bindings/EscalationValidatedAnswers";
import type { RebuiltField } from "../bindings/RebuiltField";
import type { RebuiltFieldInput } from "../bindings/RebuiltFieldInput";
import type { RebuiltForm } from "../bindings/RebuiltForm";
import type { Site } from "../bindings/Site";

afterEach(() => {
  cleanup();
  clearMocks();
});

const site = { id: 7, escalation_enabled: true } as Site;
const options = [
  { name: "Refund", value: "refund", default: false },
  { name: "Other", value: "other", default: true },
];

function field(id: number, title: string, input: RebuiltFieldInput, extra: Partial<RebuiltField> = {}): RebuiltField {
  return {
    id, title, description: null, input, required_to_solve: false, shown_when: [], default_value: null,
    default_source: null, depth: 0, closing_form_id: `zendesk_field_${id}`, ...extra,
  };
}

const form: RebuiltForm = {
  form_id: 1, form_name: "Escalations", form_active: true, system_fields: [], skipped: [], warnings: [],
  note: { id: "private_note", label: "Summary in one line", label_is_default: false },
  fields: [
    field(1, "Text", { type: "text" }),
    field(2, "Textarea", { type: "textarea" }),
    field(3, "Refund requested", { type: "checkbox", tag: "refund_requested" }),
    field(4, "Refund amount", { type: "decimal" }, {
      depth: 1,
      shown_when: [{ parent_field_id: 3, parent_title: "Refund requested", value: true, value_label: "checked", required: { kind: "always" } }],
    }),
    field(5, "Date", { type: "date" }),
    field(6, "Order number", { type: "integer" }),
    field(7, "Reference", { type: "regexp", pattern: "^[A-Z]{3}-\\d{4}$", checked: true }),
    field(8, "Reason", { type: "dropdown", options }, { required_to_solve: true, default_value: "other", default_source: "zendesk" }),
    field(9, "Products", { type: "multiselect", options }),
    field(10, "Related agent", { type: "lookup", relationship_target_type: "zen:user", target: "user", searchable: true }),
    field(11, "Card", { type: "partial_credit_card" }),
  ],
};

/** The core's verdict, as the command answers it: the child shows when its parent is checked. */
function verdict(answers: Record<string, unknown>): EscalationValidatedAnswers {
  const checked = answers["3"] === true;
  const amountMissing = checked && !answers["4"];
  return {
    status: "new", custom_fields: [], defaulted: [], dropped: [],
    fields: form.fields.map((f) => ({
      id: f.id,
      visible: f.id !== 4 || checked,
      required: f.id === 4 && checked,
      required_to_solve: f.id === 8 || (f.id === 4 && checked),
      has_value: false,
      error: f.id === 6 && answers["6"] === "twelve" ? "\"twelve\" is not a whole number (digits only, e.g. 1234)" : f.id === 4 && amountMissing ? "required when the ticket is new, but has no answer and no default" : null,
    })),
    errors: [],
  };
}

describe("the rebuilt form", () => {
  it("renders every field type, shows the conditional field once its parent is checked, and the core's problems once touched", async () => {
    const calls: Record<string, unknown>[] = [];
    mockIPC((cmd, args) => {
      if (cmd === "escalation_form") return form;
      if (cmd === "check_escalation_answers") {
        const answers = (args as { answers: Record<string, unknown> }).answers;
        calls.push(answers);
        return verdict(answers);
      }
      throw new Error(`unexpected ${cmd}`);
    });
    // As the screens hold them: reactive state the form binds to.
    const held = $state({ answers: {}, note: "" });
    render(LiveRebuiltForm, { site, answers: held.answers, note: held.note, prefix: "t" });
    await screen.findByTestId("rebuilt-form");

    expect(screen.getByTestId("rf-input-1").tagName).toBe("INPUT");
    expect(screen.getByTestId("rf-input-2").tagName).toBe("TEXTAREA");
    expect((screen.getByTestId("rf-input-3") as HTMLInputElement).type).toBe("checkbox");
    expect((screen.getByTestId("rf-input-5") as HTMLInputElement).type).toBe("date");
    expect(screen.getByTestId("rf-input-6").getAttribute("inputmode")).toBe("numeric");
    expect(screen.getByTestId("rf-pattern-7").textContent).toContain("^[A-Z]{3}-\\d{4}$");
    const reason = screen.getByTestId("rf-input-8") as HTMLSelectElement;
    expect([...reason.options].map((o) => o.text)).toEqual(["Default: Other", "Refund", "Other"]);
    expect(screen.getByTestId("rf-input-9-refund")).toBeTruthy();
    expect(screen.getByTestId("rf-field-10").textContent).toContain("The id of a Zendesk user");
    expect(screen.getByTestId("rf-field-11").textContent).toContain("Only the last 4 digits are kept");
    expect(screen.getByTestId("rf-field-8").querySelector(".req")).toBeTruthy();
    expect(screen.getByTestId("rf-note-label").textContent).toBe("Summary in one line");

    // Conditional: hidden, then shown once the parent is checked (the core decides).
    expect(screen.queryByTestId("rf-field-4")).toBeNull();
    await fireEvent.click(screen.getByTestId("rf-input-3"));
    await screen.findByTestId("rf-field-4");
    expect(calls.at(-1)).toEqual({ 3: true });
    expect(screen.getByTestId("rf-required-4")).toBeTruthy();
    // Its "required" problem is not shown before the agent touched it.
    expect(screen.queryByTestId("rf-error-4")).toBeNull();

    // A wrong value: the core's reason, under the field the agent typed in.
    await fireEvent.input(screen.getByTestId("rf-input-6"), { target: { value: "twelve" } });
    await waitFor(() => expect(screen.getByTestId("rf-error-6").textContent).toContain("not a whole number"));
    // A multiselect answers a list of option values.
    await fireEvent.click(screen.getByTestId("rf-input-9-refund"));
    await waitFor(() => expect(calls.at(-1)).toMatchObject({ 9: ["refund"] }));
  });

  it("finds a user for a lookup field by name and answers with the chosen user's id", async () => {
    const searches: unknown[] = [];
    const checked: Record<string, unknown>[] = [];
    mockIPC((cmd, args) => {
      if (cmd === "escalation_form") return form;
      if (cmd === "check_escalation_answers") {
        const answers = (args as { answers: Record<string, unknown> }).answers;
        checked.push(answers);
        return verdict(answers);
      }
      if (cmd === "search_lookup") {
        searches.push(args);
        const query = (args as { query: string }).query;
        return query.startsWith("Al")
          ? [
              { id: "361000002", name: "Alex Agent", detail: "alex@shop.example" },
              { id: "361000009", name: "Alice Admin", detail: null },
            ]
          : [];
      }
      throw new Error(`unexpected ${cmd}`);
    });
    const held = $state({ answers: {}, note: "" });
    render(LiveRebuiltForm, { site, answers: held.answers, note: held.note, prefix: "t" });
    await screen.findByTestId("rebuilt-form");
    // Only searchable lookups get a search box; an id input stays for those who know the id.
    expect(screen.queryByTestId("rf-input-6-search")).toBeNull();
    const box = screen.getByTestId("rf-input-10-search");

    // One character asks nothing.
    await fireEvent.input(box, { target: { value: "A" } });
    await new Promise((r) => setTimeout(r, 400));
    expect(searches).toEqual([]);

    await fireEvent.input(box, { target: { value: "Al" } });
    await screen.findByTestId("rf-input-10-results");
    expect(searches).toEqual([{ id: 7, fieldId: 10, target: "zen:user", query: "Al" }]);
    expect(screen.getByTestId("rf-input-10-pick-361000002").textContent).toContain("alex@shop.example");
    await fireEvent.click(screen.getByTestId("rf-input-10-pick-361000002"));
    expect((screen.getByTestId("rf-input-10") as HTMLInputElement).value).toBe("361000002");
    expect(screen.getByTestId("rf-input-10-picked").textContent).toContain("Alex Agent");
    expect(screen.queryByTestId("rf-input-10-results")).toBeNull();
    await waitFor(() => expect(checked.at(-1)).toEqual({ 10: "361000002" }));

    // No match is said, not left blank.
    await fireEvent.input(box, { target: { value: "Zo" } });
    await screen.findByTestId("rf-input-10-search-none");
  });
});
