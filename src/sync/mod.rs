//! The sync engine: polls each site's finished conversations into the ledger, then delivers
//! what is due to Zendesk, one ticket per conversation, ever.

pub mod ledger;
pub mod poll;
