//! The ticket mapping on real data over real HTTP: every closed conversation of the sandbox's
//! HA sites (long, tricky, with and without e-mail, bots, experts, campaigns), fetched by the
//! iAdvize client, planned against the Zendesk archive form and fields, and imported by the
//! Zendesk client. What Zendesk (the sandbox) stored is then compared with the conversation:
//! nothing cut at 64 kB, every message present in order, the note private, the three iAdvize
//! fields right, the requester right, no e-mail to anyone. The create renderer is exercised too.

use chrono::{DateTime, Duration as ChronoDuration, Utc};
use iadvize_zendesk::iadvize::{
    ClosedConversationsFilter, Conversation, IadvizeClient, IadvizeConfig,
};
use iadvize_zendesk::secret::Secret;
use iadvize_zendesk::site::{
    DEFAULT_CONVERSATION_URL_TEMPLATE, DeliveryMode, Platform, RequesterPolicy, SiteSettings,
    ZendeskAuthKind,
};
use iadvize_zendesk::ticket::{
    FormContext, MappingOptions, RequesterChoice, TicketPlan, plan_ticket, requester_for,
};
use iadvize_zendesk::zendesk::{
    ManualTimer, TicketField, TicketForm, ZendeskClient, ZendeskConfig, ZendeskCredential,
};
use iadvize_zendesk_sandbox::credentials::*;
use iadvize_zendesk_sandbox::{
    ADMIN_ID, MAX_COMMENT_BYTES, Sandbox, SandboxConfig, TicketView, field_ids, form_ids,
};
use std::time::Duration;

fn settings(sb: &Sandbox) -> SiteSettings {
    SiteSettings {
        name: "Maison Lumière".into(),
        platform: Platform::Ha,
        iadvize_site_id: 3101,
        zendesk_domain: "https://acme.zendesk.com".into(),
        zendesk_email: ZENDESK_ADMIN_EMAIL.into(),
        zendesk_auth: ZendeskAuthKind::ApiToken,
        zendesk_oauth_client_id: None,
        country: "France".into(),
        start_from: Utc::now() - ChronoDuration::days(30),
        autosave_enabled: true,
        autosave_form_id: Some(form_ids::ARCHIVE),
        escalation_enabled: false,
        escalation_form_id: None,
        escalation_note_label: "Note".into(),
        grace_seconds: 300,
        delivery_mode: DeliveryMode::Import,
        poll_seconds: 60,
        conversation_url_template: DEFAULT_CONVERSATION_URL_TEMPLATE.into(),
        requester_policy: RequesterPolicy::CreateEndUser,
        zendesk_api_url: Some(sb.zendesk_url()),
        iadvize_api_url: Some(sb.iadvize_url()),
    }
}

async fn conversations(sb: &Sandbox) -> Vec<Conversation> {
    let config = IadvizeConfig::new(
        Platform::Ha,
        Secret::new(IADVIZE_REST_API_KEY),
        Secret::new(IADVIZE_GRAPHQL_TOKEN),
    )
    .base_url(sb.iadvize_url())
    .timeout(Duration::from_secs(10));
    let client = IadvizeClient::new(config).unwrap();
    let now: DateTime<Utc> = sb.control().now();
    let mut out = Vec::new();
    for site in [3101, 3102, 3103] {
        let filter = ClosedConversationsFilter::site(
            site,
            now - ChronoDuration::days(8),
            now + ChronoDuration::minutes(1),
        );
        out.extend(client.closed_conversations(&filter).await.unwrap());
    }
    out
}

/// The client waits (rate limits: `users/create_or_update` allows 1 a second) on a manual
/// timer that moves the sandbox's clock instead of sleeping.
fn zendesk(sb: &Sandbox) -> ZendeskClient {
    let credential =
        ZendeskCredential::api_token(ZENDESK_ADMIN_EMAIL, Secret::new(ZENDESK_API_TOKEN));
    let control = sb.control();
    let timer = ManualTimer::with_hook(move |d| control.advance(d));
    let config = ZendeskConfig::new(sb.zendesk_url(), credential)
        .unwrap()
        .timer(timer)
        .request_timeout(Duration::from_secs(10));
    ZendeskClient::new(config).unwrap()
}

struct Site {
    settings: SiteSettings,
    form: TicketForm,
    fields: Vec<TicketField>,
    zendesk: ZendeskClient,
}

impl Site {
    async fn new(sb: &Sandbox) -> Site {
        let zendesk = zendesk(sb);
        let forms = zendesk.ticket_forms().await.unwrap().available().unwrap();
        let form = forms
            .into_iter()
            .find(|f| f.id == form_ids::ARCHIVE)
            .unwrap();
        let fields = zendesk.ticket_fields().await.unwrap();
        Site {
            settings: settings(sb),
            form,
            fields,
            zendesk,
        }
    }

    async fn plan(&self, c: &Conversation, options: &MappingOptions) -> TicketPlan {
        let found = match c.visitor.usable_email() {
            Some(email) => self
                .zendesk
                .find_user_by_email(email)
                .await
                .unwrap()
                .and_then(|u| u.id),
            None => None,
        };
        let requester = requester_for(&c.visitor, self.settings.requester_policy, found, ADMIN_ID);
        // The conversation's own site (the sandbox's three HA sites share one Zendesk).
        let settings = SiteSettings {
            iadvize_site_id: c.site_id().unwrap(),
            ..self.settings.clone()
        };
        plan_ticket(
            c,
            &settings,
            FormContext::new(Some(&self.form), &self.fields),
            requester,
            options,
        )
    }
}

/// The text a stored comment shows (the sandbox strips tags and decodes `&lt; &gt; &amp;`
/// only; decode the rest and fold whitespace so message texts can be looked for).
fn shown(t: &TicketView, public: bool) -> String {
    let all: String = t
        .comments
        .iter()
        .filter(|c| c.public == public)
        .map(|c| c.html_body.replace("<br>", "\n").replace("</p>", "\n\n"))
        .collect();
    let mut text = String::new();
    let mut in_tag = false;
    for ch in all.chars() {
        match ch {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    fold(
        &text
            .replace("&nbsp;", " ")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&amp;", "&"),
    )
}

fn fold(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[tokio::test]
async fn every_conversation_of_the_ha_sites_is_imported_whole_and_right() {
    let sb = iadvize_zendesk_sandbox::start(SandboxConfig::default())
        .await
        .unwrap();
    let control = sb.control();
    let site = Site::new(&sb).await;
    let convs = conversations(&sb).await;
    assert!(convs.len() >= 10, "{}", convs.len());
    let options = MappingOptions {
        time_zone: chrono_tz::Europe::Paris,
        assignee_id: Some(ADMIN_ID),
        ..MappingOptions::default()
    };
    let (mut split, mut tricky, mut no_email, mut new_users) = (0, 0, 0, 0);
    for c in &convs {
        let mut plan = site.plan(c, &options).await;
        if let Some(user) = plan.requester.user_to_create() {
            let (created, _) = site.zendesk.create_or_update_user(&user).await.unwrap();
            plan = plan.with_created_requester(created.id.unwrap());
            new_users += 1;
        }
        let import = plan.to_import().unwrap();
        let ticket = site.zendesk.import_ticket(&import).await.unwrap();
        let t = control.ticket(ticket.id).unwrap();

        // One ticket, solved, with the conversation's times, key, tags and form.
        assert_eq!(t.status, "solved");
        assert_eq!(t.via, "import");
        assert_eq!(t.external_id.as_deref(), Some(plan.external_id.as_str()));
        assert_eq!(
            plan.external_id,
            format!("iadvize:ha:{}:{}", c.site_id().unwrap(), c.id.hyphenated())
        );
        // Zendesk takes times to the second.
        assert_eq!(t.created_at.timestamp(), c.created_at.timestamp());
        assert_eq!(
            t.solved_at.map(|t| t.timestamp()),
            c.closed_at.map(|t| t.timestamp())
        );
        assert_eq!(t.ticket_form_id, Some(form_ids::ARCHIVE));
        assert!(t.tags.contains(&"iadvize_autosave".to_owned()));
        assert_eq!(t.assignee_id, Some(ADMIN_ID));

        // Nothing cut: every comment under the limit, every message shown, in order.
        let parts = plan.transcript.parts.len();
        assert_eq!(t.comments.len(), parts + 1);
        assert!(
            t.comments
                .iter()
                .all(|c| !c.truncated && c.html_body.len() < MAX_COMMENT_BYTES)
        );
        assert!(t.comments[..parts].iter().all(|c| c.public));
        assert!(!t.comments[parts].public, "the note is private");
        let transcript = shown(&t, true);
        let mut from = 0;
        for m in &c.messages {
            if let Some(text) = m.text.as_deref().filter(|s| !s.trim().is_empty()) {
                let at = transcript[from..].find(&fold(text)).unwrap_or_else(|| {
                    panic!("{}: message missing or out of order: {text:?}", c.id)
                }) + from;
                from = at;
            }
        }
        if parts > 1 {
            split += 1;
            assert!(transcript.contains(&format!("part {parts} of {parts}")));
        }
        if c.messages
            .iter()
            .any(|m| m.text.as_deref().is_some_and(|t| t.contains("<script>")))
        {
            tricky += 1;
            assert!(t.comments.iter().all(|c| !c.html_body.contains("<script")));
            assert!(transcript.contains("<script>alert('xss')</script>"));
        }

        // The note: the link and the ids.
        let note = shown(&t, false);
        assert!(note.contains(&format!(
            "https://ha.iadvize.com/admin/conversation/{}",
            c.id.hyphenated()
        )));
        assert!(note.contains(&format!("Conversation id: {}", c.id.hyphenated())));

        // The requester: the visitor's user, or the admin (said in the note).
        match c.visitor.usable_email() {
            Some(email) => assert_eq!(
                t.requester_email.as_deref().map(str::to_lowercase),
                Some(email.to_lowercase())
            ),
            None => {
                no_email += 1;
                assert_eq!(t.requester_id, ADMIN_ID);
                assert!(note.contains("because the visitor left no e-mail address"));
                assert!(matches!(plan.requester, RequesterChoice::Admin { .. }));
            }
        }

        // The three iAdvize fields.
        let agent = c.handling_agent().map(|a| a.full_name());
        assert_eq!(
            t.field(field_ids::IADVIZE_AGENT)
                .and_then(|v| v.as_str())
                .map(str::to_owned),
            agent
        );
        assert_eq!(
            t.field(field_ids::IADVIZE_COUNTRY).and_then(|v| v.as_str()),
            Some("France")
        );
        assert_eq!(
            t.field(field_ids::IADVIZE_CAMPAIGN)
                .and_then(|v| v.as_str()),
            c.campaign.as_ref().map(|k| k.name.as_str())
        );
    }
    assert!(split >= 1, "the 70 kB conversation was split");
    assert!(tricky >= 1);
    assert!(no_email >= 1);
    assert!(new_users >= 1);
    // Imports run no triggers: nobody was e-mailed.
    assert!(control.emails().is_empty(), "{:?}", control.emails());
    assert_eq!(control.tickets().len(), convs.len());
}

#[tokio::test]
async fn create_mode_sends_the_parts_then_the_note_on_one_ticket() {
    let sb = iadvize_zendesk_sandbox::start(SandboxConfig::default())
        .await
        .unwrap();
    let control = sb.control();
    let site = Site::new(&sb).await;
    let convs = conversations(&sb).await;
    let long = convs.iter().max_by_key(|c| c.messages.len()).unwrap();
    let options = MappingOptions {
        assignee_id: Some(ADMIN_ID),
        ..MappingOptions::default()
    };
    let plan = site.plan(long, &options).await;
    let steps = plan.to_create();
    assert!(steps.updates.len() >= 2, "parts 2.. and the note");
    let created = site
        .zendesk
        .create_ticket(&steps.ticket, &plan.external_id)
        .await
        .unwrap();
    for update in &steps.updates {
        site.zendesk
            .update_ticket(created.ticket.id, update)
            .await
            .unwrap();
    }
    let t = control.ticket(created.ticket.id).unwrap();
    assert_eq!(t.status, "solved");
    assert_eq!(t.comments.len(), steps.requests());
    assert!(t.comments.iter().all(|c| !c.truncated));
    let publics: Vec<bool> = t.comments.iter().map(|c| c.public).collect();
    let mut expected = vec![true; steps.requests() - 1];
    expected.push(false);
    assert_eq!(publics, expected);
    let transcript = shown(&t, true);
    for m in long.messages.iter().filter_map(|m| m.text.as_deref()) {
        assert!(transcript.contains(&fold(m)), "{m:?}");
    }
    assert_eq!(control.tickets_by_external_id(&plan.external_id).len(), 1);
}
