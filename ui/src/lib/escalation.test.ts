import { describe, expect, it } from "vitest";
import { asAnswer, defaultFieldOf, describe as words, inputOfView, wantsDefault } from "./escalation";
import type { FieldView } from "../bindings/FieldView";
import type { RebuiltField } from "../bindings/RebuiltField";

const view = (field_type: string, extra: Partial<FieldView> = {}): FieldView => ({
  id: 1, title: "F", field_type, system: false, active: true, required: true, required_in_portal: false,
  conditions: [], options: [], regexp: null, description: null, ...extra,
});

describe("escalation display helpers", () => {
  it("gives a forms-overview field the input the rebuilt form uses", () => {
    const options = [{ name: "Level 1", value: "level_1", default: false }];
    expect(inputOfView(view("tagger", { options }))).toEqual({ type: "dropdown", options });
    expect(inputOfView(view("multiselect", { options }))).toEqual({ type: "multiselect", options });
    expect(inputOfView(view("regexp", { regexp: "^\\d+$" }))).toMatchObject({ type: "regexp", pattern: "^\\d+$" });
    expect(inputOfView(view("partialcreditcard"))).toEqual({ type: "partial_credit_card" });
    expect(inputOfView(view("decimal"))).toEqual({ type: "decimal" });
    expect(inputOfView(view("something_new"))).toEqual({ type: "text" });
  });

  it("reads stored defaults and pre-flight settings", () => {
    expect(asAnswer(["a", "b"])).toEqual(["a", "b"]);
    expect(asAnswer(42)).toBe("42");
    expect(asAnswer(true)).toBe(true);
    expect(asAnswer(null)).toBeUndefined();
    expect(defaultFieldOf("field_default:360000114")).toBe(360000114);
    expect(defaultFieldOf("autosave_form_id")).toBeNull();
    expect(defaultFieldOf(null)).toBeNull();
  });

  it("names options and tells which fields want a default", () => {
    const input = { type: "multiselect" as const, options: [{ name: "Shoes", value: "shoes", default: false }] };
    expect(words(["shoes", "gone"], input)).toBe("Shoes, gone");
    const base = { id: 1, title: "F", description: null, input, required_to_solve: false, shown_when: [], default_value: null, default_source: null, depth: 0, closing_form_id: "zendesk_field_1" } satisfies RebuiltField;
    expect(wantsDefault(base)).toBe(false);
    expect(wantsDefault({ ...base, required_to_solve: true })).toBe(true);
    const cond = { parent_field_id: 2, parent_title: "P", value: true, value_label: "checked" };
    expect(wantsDefault({ ...base, shown_when: [{ ...cond, required: { kind: "never" } }] })).toBe(false);
    expect(wantsDefault({ ...base, shown_when: [{ ...cond, required: { kind: "on_statuses", statuses: ["solved"] } }] })).toBe(true);
  });
});
