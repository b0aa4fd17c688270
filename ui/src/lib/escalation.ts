// Small display helpers for the escalation screens. No validation here: the core checks every
// answer (check_escalation_answers) the way Zendesk does, and these only shape what it returns.
import type { EscalationAnswerErrorCode } from "../bindings/EscalationAnswerErrorCode";
import type { EscalationAnswerValue } from "../bindings/EscalationAnswerValue";
import type { FieldView } from "../bindings/FieldView";
import type { RebuiltField } from "../bindings/RebuiltField";
import type { RebuiltFieldInput } from "../bindings/RebuiltFieldInput";
import { dictionaries } from "./locales";
import { i18n, t } from "./i18n.svelte";
import type { MessageKey } from "./locales";

/** The input the rebuilt form would use for a field of the forms overview (for its default). */
export function inputOfView(field: FieldView): RebuiltFieldInput {
  const options = field.options.map((o) => ({ name: o.name, value: o.value, default: o.default }));
  switch (field.field_type) {
    case "tagger":
      return { type: "dropdown", options };
    case "multiselect":
      return { type: "multiselect", options };
    case "checkbox":
      return { type: "checkbox", tag: null };
    case "regexp":
      return { type: "regexp", pattern: field.regexp ?? "", checked: true };
    case "lookup":
      return { type: "lookup", relationship_target_type: null, target: "record", searchable: false };
    case "partialcreditcard":
      return { type: "partial_credit_card" };
    case "textarea":
    case "date":
    case "integer":
    case "decimal":
      return { type: field.field_type };
    default:
      return { type: "text" };
  }
}

/** A value as stored for Zendesk (a field default) as an answer an input can show. */
export function asAnswer(value: unknown): EscalationAnswerValue | undefined {
  if (typeof value === "boolean" || typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  if (Array.isArray(value)) return value.map(String);
  return undefined;
}

/** A value in words: an option's name rather than its tag, "checked" for a checkbox. */
export function describe(value: EscalationAnswerValue | null | undefined, input: RebuiltFieldInput): string {
  if (value === null || value === undefined) return "";
  const name = (v: string) =>
    input.type === "dropdown" || input.type === "multiselect" ? (input.options.find((o) => o.value === v)?.name ?? v) : v;
  if (typeof value === "boolean") return t(value ? "rf.checked" : "rf.unchecked");
  if (Array.isArray(value)) return value.map(name).join(", ");
  return name(String(value));
}

/** Fields an admin default is useful for: required to solve, or required once shown. */
export function wantsDefault(field: RebuiltField): boolean {
  return field.required_to_solve || field.shown_when.some((c) => c.required.kind !== "never");
}

/** `field_default:<ID>` (a pre-flight finding's setting) -> the field id. */
export function defaultFieldOf(setting: string | null): number | null {
  const m = setting?.match(/^field_default:(\d+)$/);
  return m ? Number(m[1]) : null;
}

/**
 * A core message for display. The core writes precise English, so English shows it as it is;
 * French uses the first of `keys` it has (stable codes), falling back to the core's message.
 */
export function translated(keys: string[], message: string, params?: Record<string, string | number>): string {
  if (i18n.locale === "en") return message;
  const key = keys.find((k) => k in dictionaries.en) as MessageKey | undefined;
  return key ? t(key, params) : message;
}

/** Why the core does not take an answer (by its code, and the input's type for invalid values). */
export function answerProblem(code: EscalationAnswerErrorCode | string | null | undefined, type: string, message: string): string {
  return code ? translated([`answer.${code}.${type}`, `answer.${code}`], message) : message;
}

/** Copies text to the clipboard; false when the webview refuses (the text stays selectable). */
export async function copyText(text: string, fallback?: HTMLTextAreaElement | null): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    if (!fallback) return false;
    fallback.select();
    try {
      return document.execCommand("copy");
    } catch {
      return false;
    }
  }
}
