//! Zendesk Support API client (see issue 4).
