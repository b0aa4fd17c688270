//! The sandbox over real HTTP on loopback. One test binary (faster to build and link than
//! one per area); each area is a module.

mod common;
mod control_http;
mod faults;
mod iadvize_graphql;
mod iadvize_rest;
mod oas_walk;
mod bench_options;
mod seed;
mod zendesk_auth;
mod zendesk_forms;
mod zendesk_imports;
mod zendesk_rate_limits;
mod zendesk_tickets;
mod zendesk_users;
