// Switching auto-save or escalation on goes through the pre-flight check: the other settings are
// saved first (the mode still off), the check runs on them, and the mode is switched on at once
// only when it passes. Otherwise the caller asks the admin (PreflightGate).
import type { ApiError } from "../bindings/ApiError";
import type { PreflightMode } from "../bindings/PreflightMode";
import type { PreflightReport } from "../bindings/PreflightReport";
import type { SettingChange } from "../bindings/SettingChange";
import type { Site } from "../bindings/Site";
import { api } from "./api";

export type Gated = { site: Site; report: PreflightReport | null; error: ApiError | null; waiting: boolean };

export const switchOn = (id: number, mode: PreflightMode) =>
  api.changeSettings(id, [mode === "autosave" ? { key: "autosave", value: true } : { key: "escalation", value: true }]);

/** The check run to switch the mode on: it runs with the mode still off, so "it is off" is no news. */
export async function checkBeforeOn(id: number, mode: PreflightMode): Promise<PreflightReport> {
  const report = await api.preflight(id, mode);
  return { ...report, findings: report.findings.filter((f) => f.kind !== "mode_off") };
}

/**
 * Saves `changes`; when `turningOn`, saves them with the mode off, runs the check and switches
 * the mode on if it passes. `waiting`: the check did not pass (or could not run), the mode is
 * still off and waits for the admin's decision.
 */
export async function saveWithPreflight(id: number, mode: PreflightMode, changes: SettingChange[], turningOn: boolean): Promise<Gated> {
  if (!turningOn) return { site: await api.changeSettings(id, changes), report: null, error: null, waiting: false };
  const key = mode === "autosave" ? "autosave" : "escalation";
  const site = await api.changeSettings(id, changes.map((c) => (c.key === key ? { key, value: false } : c)));
  try {
    const report = await checkBeforeOn(id, mode);
    if (report.passed) return { site: await switchOn(id, mode), report, error: null, waiting: false };
    return { site, report, error: null, waiting: true };
  } catch (e) {
    return { site, report: null, error: e as ApiError, waiting: true };
  }
}
