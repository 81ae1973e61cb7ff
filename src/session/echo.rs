//! The echo handler: every received message is sent back unchanged (same type), used by
//! `listen` (echo mode) and `connect --echo`. The driver queues each reply before it reads
//! the next frame and flushes once per burst, so pipelining peers get batched writes.

use tokio_tungstenite::tungstenite::Message;

use crate::session::driver::Inbound;

pub struct Echo;

impl Inbound for Echo {
    fn message(&mut self, msg: Message) -> anyhow::Result<Option<Message>> {
        Ok(Some(msg))
    }

    fn idle(&mut self) -> anyhow::Result<()> {
        Ok(())
    }
}
