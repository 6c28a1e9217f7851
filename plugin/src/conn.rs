//! A client's socket, registered with the runtime for reading only.
//!
//! A Unix socket reports write space every time the peer reads: registered for writing, the
//! relay would wake once per line its client reads, which doubled its wake-ups (and context
//! switches) against the lines it relays. So writes go straight to the socket, non-blocking,
//! and the socket is watched for write space only while a write is blocked.

use std::io::{self, Read, Write};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::net::UnixStream;

use interprocess::local_socket::tokio::Stream;
use tokio::io::Interest;
use tokio::io::unix::AsyncFd;

pub struct Conn {
    read: AsyncFd<UnixStream>,
    write: UnixStream,
}

impl Conn {
    pub fn new(stream: Stream) -> io::Result<Conn> {
        #[allow(unreachable_patterns)] // other variants exist on other platforms
        let fd: OwnedFd = match stream {
            Stream::UdSocket(s) => OwnedFd::try_from(s)?,
            _ => return Err(io::Error::other("not a Unix socket")),
        };
        let socket = UnixStream::from(fd);
        socket.set_nonblocking(true)?;
        let write = socket.try_clone()?;
        Ok(Conn { read: watch(socket, Interest::READABLE)?, write })
    }

    /// Reads what the client sent; 0 at its end.
    pub async fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let mut ready = self.read.readable().await?;
            if let Ok(result) = ready.try_io(|s| s.get_ref().read(buf)) {
                return result;
            }
        }
    }

    /// Writes all of `data`, waiting for write space only when the socket has none.
    pub async fn write_all(&self, mut data: &[u8]) -> io::Result<()> {
        // Registered for write space while this write is blocked, and dropped (deregistered)
        // with it.
        let mut space: Option<AsyncFd<UnixStream>> = None;
        while !data.is_empty() {
            let written = match (&self.write).write(data) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    let space = match &mut space {
                        Some(s) => s,
                        None => space.insert(watch(self.write.try_clone()?, Interest::WRITABLE)?),
                    };
                    let mut ready = space.writable().await?;
                    match ready.try_io(|s| s.get_ref().write(data)) {
                        Ok(result) => result,
                        Err(_) => continue,
                    }
                }
                other => other,
            };
            match written {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => data = &data[n..],
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Whether the peer closed its end entirely. A Unix stream socket reports `POLLHUP` only
    /// then, not when the peer merely shut down its sending side.
    pub fn hung_up(&self) -> bool {
        let mut pfd = libc::pollfd { fd: self.write.as_fd().as_raw_fd(), events: 0, revents: 0 };
        // SAFETY: one valid pollfd, borrowed for the duration of the call; timeout 0 never blocks.
        let n = unsafe { libc::poll(&mut pfd, 1, 0) };
        n < 0 || pfd.revents & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0
    }
}

/// Registers an owned socket with the runtime for `interest`.
fn watch(socket: UnixStream, interest: Interest) -> io::Result<AsyncFd<UnixStream>> {
    // SAFETY: the `UnixStream` owns its descriptor, which stays open and the same until the
    // `AsyncFd` that owns it is dropped.
    Ok(unsafe { AsyncFd::register_with_interest(socket, interest) }?)
}
