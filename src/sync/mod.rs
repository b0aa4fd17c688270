//! The sync engine: polls each site's finished conversations into the ledger, then delivers
//! what is due to Zendesk, one ticket per conversation, ever.

pub mod ledger;
pub mod poll;
pub mod deliver;
pub mod escalate;
pub mod engine;
pub mod owner;

use crate::api::Api;
use crate::error::ApiError;
use crate::site::{SiteId, SiteRef};
use crate::store::ledger::{self as store, AttemptNote, AttemptRow, LedgerRow, LogFilter};
use crate::ticket::{TicketKind, TicketPreview};

/// One conversation's log: its ledger row and every attempt, oldest first.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ConversationLog {
    pub row: LedgerRow,
    pub attempts: Vec<AttemptRow>,
}

impl Api {
    /// The site's sync log, newest first.
    pub fn sync_log(&self, site: &SiteRef, filter: &LogFilter) -> Result<Vec<LedgerRow>, ApiError> {
        let site = self.site(site)?;
        Ok(store::log(&self.store().conn(), site.id, filter)?)
    }

    /// One conversation's ledger row and attempts (by UUID or legacy id).
    pub fn conversation_log(&self, site: &SiteRef, conversation: &str) -> Result<ConversationLog, ApiError> {
        let site = self.site(site)?;
        let conn = self.store().conn();
        let row = store::log(
            &conn,
            site.id,
            &LogFilter {
                conversation_id: Some(conversation.trim().to_owned()),
                limit: 1,
                ..LogFilter::default()
            },
        )?
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::from(store::LedgerError::Unknown(conversation.to_owned())))?;
        let attempts = store::attempts(&conn, site.id, &row.conversation_id)?;
        Ok(ConversationLog { row, attempts })
    }

    /// Sends a failed conversation again (at the next round).
    pub fn retry_conversation(&self, site: &SiteRef, conversation: &str) -> Result<LedgerRow, ApiError> {
        let log = self.conversation_log(site, conversation)?;
        let site = self.site(site)?;
        let now = self.clock().now();
        store::apply(
            &mut self.store().conn(),
            site.id,
            &log.row.conversation_id,
            ledger::Event::RetryRequested,
            &AttemptNote {
                action: "retry".into(),
                message: Some("retry asked by the admin".into()),
                details: None,
            },
            now,
        )
        .map_err(|e| match e {
            store::LedgerError::Transition(_) => ApiError::new(
                "sync.not_failed",
                format!(
                    "Conversation {} is {}, not failed: only failed conversations can be retried.",
                    log.row.conversation_id,
                    log.row.state.as_str()
                ),
            ),
            other => other.into(),
        })?;
        Ok(self.conversation_log(&SiteRef::Id(site.id), &log.row.conversation_id)?.row)
    }

    /// What a conversation would become, without sending anything (requester look-ups only).
    pub async fn preview_ticket(&self, site: &SiteRef, conversation: &str) -> Result<TicketPreview, ApiError> {
        let site = self.site(site)?;
        let ctx = deliver::SiteContext::prepare(self, site.clone()).await?;
        let conversation = self.read_conversation(&ctx, site.id, conversation).await?;
        // An escalation (the agent's or the desktop's) previews as the escalation ticket.
        let asked = store::entry(&self.store().conn(), site.id, &conversation.id.to_string())?.is_some_and(|e| e.escalation);
        if site.settings.escalation_enabled && (asked || poll::escalation_requested(&conversation)) {
            let plan = escalate::preview_plan(self, &ctx, &conversation).await?;
            return Ok(plan.preview(crate::site::DeliveryMode::Create));
        }
        let plan = ctx.plan(&conversation, TicketKind::AutoSave).await?;
        Ok(plan.preview(site.settings.delivery_mode))
    }

    /// A conversation from the ledger's copy, or from iAdvize (by UUID).
    pub(crate) async fn read_conversation(
        &self,
        ctx: &deliver::SiteContext,
        site: SiteId,
        conversation: &str,
    ) -> Result<crate::iadvize::Conversation, ApiError> {
        let stored = store::payload(&self.store().conn(), site, conversation.trim())?;
        if let Some(payload) = stored
            && let Ok(c) = serde_json::from_str(&payload)
        {
            return Ok(c);
        }
        let id = uuid::Uuid::parse_str(conversation.trim()).map_err(|_| {
            ApiError::new(
                "sync.bad_conversation_id",
                format!("\"{conversation}\" is not an iAdvize conversation id (a UUID such as 9d3f…-…)."),
            )
        })?;
        Ok(ctx.iadvize.conversation(id).await?)
    }
}
