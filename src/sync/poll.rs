//! Polling: reads a site's conversations closed since its cursor into the ledger. Windows
//! overlap so a conversation iAdvize lists late is still seen; the ledger absorbs duplicates;
//! the cursor only moves past pages whose rows are committed.

use crate::api::Api;
use crate::error::ApiError;
use crate::iadvize::{AgentKind, ClosedConversationsFilter, Conversation, IadvizeClient};
use crate::site::Site;
use crate::store::ledger::{self, Seen};
use chrono::{DateTime, Duration, Utc};

/// How far back each poll re-reads before the cursor, for conversations listed late.
pub const OVERLAP: Duration = Duration::minutes(10);
/// The longest interval asked in one query; longer ranges (a first poll, a backfill) are split.
pub const MAX_WINDOW: Duration = Duration::days(7);

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PollOutcome {
    /// Conversations listed by iAdvize in the window (duplicates of earlier polls included).
    pub seen: usize,
    /// Conversations new to the ledger.
    pub new: usize,
}

/// The stable key of a conversation in Zendesk (`external_id`): platform + site + conversation.
/// Never change it: it is how a ticket is found again after a crash or a lost response.
pub fn external_id(site: &Site, conversation_id: &str) -> String {
    format!(
        "iadvize:{}:{}:{}",
        site.settings.platform, site.settings.iadvize_site_id, conversation_id
    )
}

/// Whether the agent asked for an escalation in the closing form (`escalate` = "true").
pub fn escalation_requested(conversation: &Conversation) -> bool {
    conversation
        .closing_answer("escalate")
        .and_then(|a| a.value.as_deref())
        .is_some_and(|v| matches!(v.trim().to_ascii_lowercase().as_str(), "true" | "1" | "yes" | "on"))
}

pub fn seen(site: &Site, conversation: &Conversation) -> Result<Seen, ApiError> {
    let agent = conversation.handling_agent();
    Ok(Seen {
        conversation_id: conversation.id.to_string(),
        legacy_id: conversation.legacy_id,
        closed_at: conversation.closed_at.unwrap_or(conversation.created_at),
        external_id: external_id(site, &conversation.id.to_string()),
        escalation: escalation_requested(conversation),
        channel: Some(conversation.channel.clone()),
        agent_name: agent.map(|a| a.full_name()),
        agent_kind: agent.map(|a| match a.kind {
            AgentKind::Professional => "professional".to_owned(),
            AgentKind::Expert => "expert".to_owned(),
            AgentKind::Bot => "bot".to_owned(),
        }),
        campaign: conversation.campaign.as_ref().map(|c| c.name.clone()),
        payload: serde_json::to_string(conversation)
            .map_err(|e| ApiError::new("internal", format!("cannot keep conversation {}: {e}", conversation.id)))?,
    })
}

/// Reads `[from, to)` of a site into the ledger, page by page. Each page and the cursor move
/// are one transaction.
pub async fn poll_range(
    api: &Api,
    site: &Site,
    client: &IadvizeClient,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<PollOutcome, ApiError> {
    let mut outcome = PollOutcome::default();
    let grace = Duration::seconds(site.settings.grace_seconds);
    let mut window_start = from;
    while window_start < to {
        let window_end = (window_start + MAX_WINDOW).min(to);
        let filter = ClosedConversationsFilter::site(site.settings.iadvize_site_id, window_start, window_end);
        let mut after: Option<String> = None;
        loop {
            let page = client.closed_conversations_page(&filter, after.as_deref()).await?;
            // Only conversations that will make a ticket enter the ledger: with auto-save off,
            // only the escalations (when escalation is on).
            let rows = page
                .conversations
                .iter()
                .filter(|c| c.closed_at.unwrap_or(c.created_at) >= site.settings.start_from)
                .filter(|c| {
                    site.settings.autosave_enabled || (site.settings.escalation_enabled && escalation_requested(c))
                })
                .map(|c| seen(site, c))
                .collect::<Result<Vec<_>, _>>()?;
            // Ordered by closedAt: everything before the page's last conversation is committed
            // with this page (ties are re-read by the next poll's overlap).
            let polled_until = if page.has_next_page {
                page.conversations.last().and_then(|c| c.closed_at).unwrap_or(window_start)
            } else {
                window_end
            };
            let now = api.clock().now();
            let new = ledger::record_poll(&mut api.store().conn(), site.id, &rows, grace, polled_until, now)?;
            outcome.seen += page.conversations.len();
            outcome.new += new;
            if !page.has_next_page || page.end_cursor.is_none() {
                break;
            }
            after = page.end_cursor;
        }
        window_start = window_end;
    }
    Ok(outcome)
}

/// One poll of a site: from its cursor (minus the overlap; its start point the first time) to now.
pub async fn poll_site(api: &Api, site: &Site, client: &IadvizeClient) -> Result<PollOutcome, ApiError> {
    let now = api.clock().now();
    let cursor = ledger::cursor(&api.store().conn(), site.id)?;
    let from = match cursor {
        Some(c) => (c.polled_until - OVERLAP).max(site.settings.start_from),
        None => site.settings.start_from,
    };
    let result = poll_range(api, site, client, from, now).await;
    if let Err(e) = &result {
        let conn = api.store().conn();
        if let Err(db) = ledger::record_poll_error(&conn, site.id, &e.code, &e.message, now, from) {
            tracing::warn!(site = site.id, error = %db, "cannot record the poll error");
        }
    }
    result
}
