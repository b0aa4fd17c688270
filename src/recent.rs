//! A site's recently closed conversations, read from iAdvize, so the escalation screen can offer
//! them on a site that does not auto-save (its log then holds only the escalations).
//!
//! iAdvize pages a window oldest first, so the newest are found by reading short windows back
//! from now, widening until enough conversations are found or a week has been read.

use crate::api::Api;
use crate::check::iadvize_client;
use crate::error::ApiError;
use crate::iadvize::{ClosedConversationsFilter, Conversation};
use crate::site::SiteRef;
use crate::store::ledger as store;
use crate::sync::ledger::State;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use std::collections::HashSet;
use ts_rs::TS;

/// How far back each window reaches, in hours from now (the last one: a week).
const WINDOW_HOURS: [i64; 5] = [1, 6, 24, 72, 168];
/// Enough to pick from: the search stops widening once this many are found.
pub const WANTED: usize = 50;
/// Pages read per window at most, so a busy site costs a bounded number of requests.
const MAX_PAGES_PER_WINDOW: usize = 4;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct RecentConversation {
    pub conversation_id: String,
    pub legacy_id: Option<i64>,
    #[ts(type = "string")]
    pub closed_at: DateTime<Utc>,
    pub channel: String,
    /// The agent holding the conversation when it closed.
    pub agent_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct RecentConversations {
    /// Newest first; conversations already escalated here are left out.
    pub conversations: Vec<RecentConversation>,
    /// A window had more pages than were read: some conversations of the period are not listed
    /// (their id can still be pasted).
    pub partial: bool,
    /// How far back was read.
    #[ts(type = "string")]
    pub since: DateTime<Utc>,
}

impl RecentConversation {
    fn of(c: &Conversation) -> RecentConversation {
        RecentConversation {
            conversation_id: c.id.to_string(),
            legacy_id: c.legacy_id,
            closed_at: c.closed_at.unwrap_or(c.created_at),
            channel: c.channel.clone(),
            agent_name: c.handling_agent().map(|a| a.full_name()),
        }
    }
}

impl Api {
    /// The site's conversations closed lately (up to a week back), newest first, without those
    /// already escalated from this data folder.
    pub async fn recent_conversations(&self, site: &SiteRef) -> Result<RecentConversations, ApiError> {
        let site = self.site(site)?;
        let client = iadvize_client(self, &site)?;
        let now = self.clock().now();
        let mut found = Vec::new();
        let mut partial = false;
        let mut newer_edge = now;
        let mut since = now;
        for hours in WINDOW_HOURS {
            since = now - Duration::hours(hours);
            let filter = ClosedConversationsFilter::site(site.settings.iadvize_site_id, since, newer_edge);
            let mut after: Option<String> = None;
            for page_number in 1.. {
                let page = client.closed_conversations_page(&filter, after.as_deref()).await?;
                found.extend(page.conversations.iter().map(RecentConversation::of));
                if !page.has_next_page {
                    break;
                }
                if page_number == MAX_PAGES_PER_WINDOW {
                    partial = true;
                    break;
                }
                after = page.end_cursor;
            }
            newer_edge = since;
            if found.len() >= WANTED {
                break;
            }
        }
        let conn = self.store().conn();
        let mut ids = HashSet::new();
        found.retain(|c| ids.insert(c.conversation_id.clone()));
        let mut kept = Vec::with_capacity(found.len());
        for c in found {
            let escalated = store::entry(&conn, site.id, &c.conversation_id)?.is_some_and(|e| e.state == State::Escalated);
            if !escalated {
                kept.push(c);
            }
        }
        kept.sort_by(|a, b| b.closed_at.cmp(&a.closed_at).then_with(|| a.conversation_id.cmp(&b.conversation_id)));
        Ok(RecentConversations {
            conversations: kept,
            partial,
            since,
        })
    }
}
