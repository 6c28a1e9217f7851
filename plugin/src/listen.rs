//! The socket's listener: accepts clients and serves each on a task of its own, and keeps the
//! socket file there (recreated if somebody deletes it, left alone and said if replaced).

use std::sync::Arc;
use std::time::Duration;

use interprocess::local_socket::tokio::Listener;
use interprocess::local_socket::traits::tokio::Listener as _;
use tokio::task::JoinSet;

use crate::client;
use crate::hub::Hub;
use crate::outbox::Logger;
use crate::query::Queries;
use crate::socket::{self, SocketFile};

/// How often the socket's path is checked for having been deleted or replaced.
const SOCKET_CHECK: Duration = Duration::from_secs(1);

/// What every accepted client is served with.
pub struct Served {
    pub hub: Arc<Hub>,
    pub queries: Queries,
    pub clients: Arc<tokio::sync::Mutex<JoinSet<()>>>,
    pub log: Logger,
}

pub async fn accept(mut listener: Listener, socket: Arc<std::sync::Mutex<SocketFile>>, served: Served) {
    let Served { hub, queries, clients, log } = served;
    let mut check = tokio::time::interval(SOCKET_CHECK);
    // The last problem reported about the path, so it is said once, not every second.
    let mut reported: Option<String> = None;
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(stream) => {
                    let mut set = clients.lock().await;
                    // Reap finished clients so the set does not grow with uptime.
                    while set.try_join_next().is_some() {}
                    set.spawn(client::serve(stream, hub.clone(), queries.clone(), log.clone()));
                    log.debug(format!("client connected ({} connected)", set.len()));
                }
                Err(e) => {
                    log.unusual(format!("accept failed: {e}"));
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            _ = check.tick() => {
                if let Some(relistened) = keep_socket(&socket, &mut reported, &log) {
                    listener = relistened;
                }
            }
        }
    }
}

/// Recreates the socket if somebody deleted it (under the same claim rules as at `init`);
/// says once, in the node's log, why new clients cannot connect when it cannot.
fn keep_socket(socket: &std::sync::Mutex<SocketFile>, reported: &mut Option<String>, log: &Logger) -> Option<Listener> {
    let mut file = socket.lock().unwrap_or_else(|e| e.into_inner());
    let path = file.path().to_path_buf();
    let problem = match file.state() {
        socket::PathState::Ours => None,
        socket::PathState::Missing => match socket::bind(&path) {
            Ok((listener, new_file)) => {
                // The old file is gone, and the new one may reuse its inode number: dropping
                // the old record could remove the new socket.
                std::mem::forget(std::mem::replace(&mut *file, new_file));
                log.info(format!("socket {} was deleted; listening again", path.display()));
                *reported = None;
                return Some(listener);
            }
            Err(reason) => Some(format!("socket {} was deleted and cannot be recreated: {reason}", path.display())),
        },
        socket::PathState::Replaced => Some(format!(
            "socket {} was replaced by something else; leaving it alone, so new clients cannot connect \
             (remove it and lnwatch-plugin listens again, or restart the plugin)",
            path.display()
        )),
    };
    if problem != *reported {
        if let Some(p) = &problem {
            log.unusual(p);
        }
        *reported = problem;
    }
    None
}
