// The UI's only way to the core: typed Tauri commands. The UI never talks HTTP itself.
import { invoke } from "@tauri-apps/api/core";
import type { ApiError } from "../bindings/ApiError";
import type { AppInfo } from "../bindings/AppInfo";
import type { ConnectionReport } from "../bindings/ConnectionReport";
import type { FormsOverview } from "../bindings/FormsOverview";
import type { ConversationLog } from "../bindings/ConversationLog";
import type { LedgerRow } from "../bindings/LedgerRow";
import type { NotificationKind } from "../bindings/NotificationKind";
import type { LedgerState } from "../bindings/LedgerState";
import type { SyncOverview } from "../bindings/SyncOverview";
import type { TicketPreview } from "../bindings/TicketPreview";
import type { FieldError } from "../bindings/FieldError";
import type { KeychainStatus } from "../bindings/KeychainStatus";
import type { SecretsDraft } from "../bindings/SecretsDraft";
import type { SettingChange } from "../bindings/SettingChange";
import type { Site } from "../bindings/Site";
import type { SiteDraft } from "../bindings/SiteDraft";
import type { ClosingFormInput } from "../bindings/ClosingFormInput";
import type { EscalationAnswerValue } from "../bindings/EscalationAnswerValue";
import type { EscalationReceipt } from "../bindings/EscalationReceipt";
import type { EscalationValidatedAnswers } from "../bindings/EscalationValidatedAnswers";
import type { PreflightMode } from "../bindings/PreflightMode";
import type { PreflightReport } from "../bindings/PreflightReport";
import type { RebuiltForm } from "../bindings/RebuiltForm";
import type { TicketFieldDefault } from "../bindings/TicketFieldDefault";
import type { BackfillStatus } from "../bindings/BackfillStatus";
import type { DiagnosticsSummary } from "../bindings/DiagnosticsSummary";
import type { SavedFile } from "../bindings/SavedFile";
import type { StatsQuery } from "../bindings/StatsQuery";
import type { StatsReport } from "../bindings/StatsReport";
import type { LookupRecord } from "../bindings/LookupRecord";
import type { RecentConversations } from "../bindings/RecentConversations";

/** Escalation answers by Zendesk field id (the core's `Answers`). */
export type Answers = Record<number, EscalationAnswerValue>;

/** Normalises whatever a command rejected with into an ApiError. */
export function asApiError(e: unknown): ApiError {
  if (e && typeof e === "object" && "code" in e && "message" in e) {
    const err = e as ApiError;
    return { code: err.code, message: err.message, fields: err.fields ?? [] };
  }
  return { code: "internal", message: String(e), fields: [] };
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (e) {
    throw asApiError(e);
  }
}

export const api = {
  appInfo: () => call<AppInfo>("app_info"),
  keychainStatus: () => call<KeychainStatus>("keychain_status"),
  retryKeychain: () => call<KeychainStatus>("retry_keychain"),
  listSites: () => call<Site[]>("list_sites"),
  createSite: (draft: SiteDraft) => call<Site>("create_site", { draft }),
  updateSite: (id: number, draft: SiteDraft) => call<Site>("update_site", { id, draft }),
  removeSite: (id: number) => call<void>("remove_site", { id }),
  changeSettings: (id: number, changes: SettingChange[]) =>
    call<Site>("change_settings", { id, changes }),
  setSecrets: (id: number, secrets: SecretsDraft) => call<Site>("set_secrets", { id, secrets }),
  checkSiteDraft: (id: number | null, draft: SiteDraft) =>
    call<FieldError[]>("check_site_draft", { id, draft }),
  checkConnection: (id: number) => call<ConnectionReport>("check_connection", { id }),
  formsOverview: (id: number) => call<FormsOverview>("forms_overview", { id }),
  startDemo: () => call<Site>("start_demo"),
  demoSiteId: () => call<number | null>("demo_site_id"),
  syncStatus: () => call<SyncOverview>("sync_status"),
  syncNow: () => call<void>("sync_now"),
  syncLog: (id: number, state: LedgerState | null = null, limit = 200) =>
    call<LedgerRow[]>("sync_log", { id, state, limit }),
  conversationLog: (id: number, conversation: string) =>
    call<ConversationLog>("conversation_log", { id, conversation }),
  retryConversation: (id: number, conversation: string) =>
    call<LedgerRow>("retry_conversation", { id, conversation }),
  setUiLocale: (value: string) => call<void>("set_ui_locale", { value }),
  openFolder: (which: "data" | "logs" | "exports") => call<void>("open_folder", { which }),
  autostartEnabled: () => call<boolean>("autostart_enabled"),
  setAutostart: (enabled: boolean) => call<boolean>("set_autostart", { enabled }),
  notificationPrefs: (id: number) => call<NotificationKind[]>("notification_prefs", { id }),
  setNotification: (id: number, kind: NotificationKind, enabled: boolean) =>
    call<NotificationKind[]>("set_notification", { id, kind, enabled }),
  setPaused: (paused: boolean) => call<void>("set_paused", { paused }),
  previewTicket: (id: number, conversation: string) =>
    call<TicketPreview>("preview_ticket", { id, conversation }),
  escalationForm: (id: number) => call<RebuiltForm>("escalation_form", { id }),
  checkEscalationAnswers: (id: number, conversation: string | null, answers: Answers) =>
    call<EscalationValidatedAnswers>("check_escalation_answers", { id, conversation, answers }),
  recentConversations: (id: number) => call<RecentConversations>("recent_conversations", { id }),
  searchLookup: (id: number, fieldId: number, target: string, query: string) =>
    call<LookupRecord[]>("search_lookup", { id, fieldId, target, query }),
  escalate: (id: number, conversation: string, answers: Answers, note: string | null) =>
    call<EscalationReceipt>("escalate", { id, conversation, answers, note }),
  closingFormDefinition: (id: number) => call<ClosingFormInput[]>("closing_form_definition", { id }),
  fieldDefaults: (id: number) => call<TicketFieldDefault[]>("field_defaults", { id }),
  setFieldDefault: (id: number, fieldId: number, value: EscalationAnswerValue) =>
    call<TicketFieldDefault[]>("set_field_default", { id, fieldId, value }),
  clearFieldDefault: (id: number, fieldId: number) =>
    call<TicketFieldDefault[]>("clear_field_default", { id, fieldId }),
  preflight: (id: number, mode: PreflightMode) => call<PreflightReport>("preflight", { id, mode }),
  stats: (id: number, query: StatsQuery) => call<StatsReport>("stats", { id, query }),
  /** Saves the statistics as CSV in the Downloads folder; says where. */
  exportStats: (id: number, query: StatsQuery) => call<SavedFile>("export_stats", { id, query }),
  backfills: (id: number) => call<BackfillStatus[]>("backfills", { id }),
  /** Starts (or resumes, for the same range) a backfill of `[from, to)` in this app's sync. */
  startBackfill: (id: number, from: string, to: string) => call<BackfillStatus>("start_backfill", { id, from, to }),
  cancelBackfill: (backfill: number) => call<BackfillStatus>("cancel_backfill", { backfill }),
  /** Writes the site's diagnostics bundle (zip) in the Downloads folder. */
  writeDiagnostics: (id: number) => call<DiagnosticsSummary>("write_diagnostics", { id }),
};
