// How the statistics screens name things (uses the current language).
import type { AgentStats } from "../bindings/AgentStats";
import type { IadvizeAgentKind } from "../bindings/IadvizeAgentKind";
import { i18n, t } from "./i18n.svelte";
import type { MessageKey } from "./locales";

export function kindKey(kind: IadvizeAgentKind | null): MessageKey {
  return kind ? (`stats.kind.${kind}` as MessageKey) : "stats.kind.none";
}

export function agentLabel(a: AgentStats): string {
  return a.agent_name ?? t("stats.no_agent");
}

export function percent(rate: number): string {
  return new Intl.NumberFormat(i18n.locale === "fr" ? "fr-FR" : "en-GB", { style: "percent", maximumFractionDigits: 1 }).format(rate);
}

export function number(n: number, digits = 0): string {
  return new Intl.NumberFormat(i18n.locale === "fr" ? "fr-FR" : "en-GB", { maximumFractionDigits: digits }).format(n);
}

/** A day `YYYY-MM-DD` as "26 Nov" / "26 nov.". */
export function shortDay(day: string): string {
  const [y, m, d] = day.split("-").map(Number);
  return new Date(y, m - 1, d).toLocaleDateString(i18n.locale === "fr" ? "fr-FR" : "en-GB", { day: "numeric", month: "short" });
}

/** A day `YYYY-MM-DD` (or an instant) as a full date. */
export function longDay(value: string | Date): string {
  const d = typeof value === "string" && /^\d{4}-\d{2}-\d{2}$/.test(value)
    ? new Date(Number(value.slice(0, 4)), Number(value.slice(5, 7)) - 1, Number(value.slice(8, 10)))
    : new Date(value);
  return d.toLocaleDateString(i18n.locale === "fr" ? "fr-FR" : "en-GB", { day: "numeric", month: "short", year: "numeric" });
}

/** Bytes for people: "12 KB", "1.4 MB". */
export function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${number(bytes / 1024, 0)} ${i18n.locale === "fr" ? "Ko" : "KB"}`;
  return `${number(bytes / 1024 / 1024, 1)} ${i18n.locale === "fr" ? "Mo" : "MB"}`;
}
