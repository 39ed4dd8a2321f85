//! [`ConnectionLimits`]: the bounds a SCIM server puts on each client connection, one value
//! that both adapters' servers enforce the same way (`scimkit_axum::serve`,
//! `scimkit_actix::limit_connections`).

use std::time::Duration;

/// How long a client may take to send a request head and how many connections are served at
/// once. The defaults are safe for a server facing the internet; raise them, never remove them.
///
/// - **`header_timeout`**: a request head (request line and headers) must arrive within this
///   time, counted from when the server starts waiting for one: when the connection opens, and
///   on a kept-alive connection when the previous response has been sent. A client that has not
///   sent a whole head by then is disconnected (actix-web first answers `408 Request Timeout`).
///   It is therefore also how long an idle keep-alive connection stays open. Behind a load
///   balancer that keeps idle connections to the server (AWS ALB: 60 s by default), set it above
///   the balancer's idle timeout, or the balancer will now and then reuse a connection the
///   server is closing.
/// - **`max_connections`**: connections served at once. When the cap is reached the server
///   stops accepting: further connections wait in the operating system's listen queue
///   (neither refused nor answered) until a served connection closes, which the header timeout
///   guarantees for slow and idle ones. Keep it below the process's open-file limit
///   (`ulimit -n`) minus what the host needs for its database and files, so the process never
///   runs out of descriptors. A server that also serves the host's other traffic may need
///   more; each connection costs a descriptor and, on actix-web, up to ~160 KiB of buffers.
///
/// Request bodies have their own limits in the engine ([`crate::ScimBuilder::max_body_bytes`],
/// [`crate::ScimBuilder::body_timeout`]), and a request whose token is refused is answered
/// before its body is read.
///
/// ```
/// use std::time::Duration;
/// use scimkit_core::ConnectionLimits;
///
/// let limits = ConnectionLimits {
///     header_timeout: Duration::from_secs(75),
///     ..ConnectionLimits::default()
/// };
/// assert_eq!(limits.max_connections, 256);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// The time allowed for a request head, and so for an idle keep-alive connection
    /// (default 10 s).
    pub header_timeout: Duration,
    /// Connections served at once; more wait to be accepted (default 256).
    pub max_connections: usize,
}

impl ConnectionLimits {
    /// The default header timeout: 10 s, ample for an identity provider on any network.
    pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);
    /// The default connection cap: 256. Well under the common open-file limit of 1 024, ample
    /// for identity providers (which open a handful of connections at a time), and a bound on
    /// memory: actix-web reads up to about 160 KiB ahead on each connection, so 256 connections
    /// sending bodies at once hold at most about 40 MiB there.
    pub const DEFAULT_MAX_CONNECTIONS: usize = 256;
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            header_timeout: Self::DEFAULT_HEADER_TIMEOUT,
            max_connections: Self::DEFAULT_MAX_CONNECTIONS,
        }
    }
}
