//! Live mode: new conversations close over (real) time at a chosen rate, so a polling client
//! sees a stream of fresh work. The rate can be changed or turned off while running.

use crate::shared::Shared;
use std::sync::{Arc, Weak};
use std::time::Duration;

/// Runs until the sandbox is dropped. Checks the rate often so changes apply quickly.
pub(crate) async fn run(shared: Weak<Shared>) {
    let mut due = 0.0_f64;
    let tick = Duration::from_millis(50);
    loop {
        tokio::time::sleep(tick).await;
        let Some(sh): Option<Arc<Shared>> = shared.upgrade() else {
            return;
        };
        let rate = *sh.live_rate.lock().unwrap();
        match rate {
            Some(per_minute) if per_minute > 0.0 => {
                due += per_minute * tick.as_secs_f64() / 60.0;
                while due >= 1.0 {
                    due -= 1.0;
                    let now = sh.clock.now();
                    sh.ia.write().unwrap().add_live_conversation(now);
                }
            }
            _ => due = 0.0,
        }
    }
}
