//! The process's open-file limit, which bounds how many connections it can hold: raised at start
//! to the most the system allows, and read to size the cap on event streams, so that streams
//! held open (by a client or an attacker) never take the descriptors sync, pages and health
//! checks need.

/// Descriptors kept for everything but event streams: the database's connections, files, and
/// the requests being answered.
const RESERVED: u64 = 256;
/// The most event streams one process holds, however high the limit.
const MAX_STREAMS: u64 = 10_000;
/// The fewest event streams allowed, however low the limit.
const MIN_STREAMS: u64 = 16;

/// The open-file limits as `(soft, hard)`, when the system tells.
pub fn open_files() -> Option<(u64, u64)> {
    #[cfg(unix)]
    {
        let limit = rustix::process::getrlimit(rustix::process::Resource::Nofile);
        Some((limit.current?, limit.maximum.unwrap_or(u64::MAX)))
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// Raises the soft open-file limit to the hard one (the usual soft limit, 1,024, is less than a
/// server needs). Returns the limits in effect after, when the system tells.
pub fn raise_open_files() -> Option<(u64, u64)> {
    #[cfg(unix)]
    {
        let (soft, hard) = open_files()?;
        if soft < hard {
            let raised = rustix::process::Rlimit { current: Some(hard), maximum: Some(hard) };
            if let Err(error) = rustix::process::setrlimit(rustix::process::Resource::Nofile, raised) {
                tracing::warn!(%error, soft, hard, "could not raise the open-file limit");
            }
        }
    }
    open_files()
}

/// How many event streams this process may hold at once: half of what the open-file limit
/// leaves after [`RESERVED`], between [`MIN_STREAMS`] and [`MAX_STREAMS`].
pub fn stream_cap(soft_limit: Option<u64>) -> usize {
    let soft = soft_limit.unwrap_or(1_024);
    (soft.saturating_sub(RESERVED) / 2).clamp(MIN_STREAMS, MAX_STREAMS) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_leave_descriptors_for_everything_else() {
        assert_eq!(stream_cap(Some(1_024)), 384, "the usual soft limit");
        assert_eq!(stream_cap(Some(1_048_576)), 10_000, "a raised one, capped");
        assert_eq!(stream_cap(Some(100)), 16, "a tiny one still serves a few");
        assert_eq!(stream_cap(None), 384, "unknown: as the usual limit");
    }

    #[test]
    fn the_limit_is_raised_to_the_hard_one() {
        if let Some((soft, hard)) = raise_open_files() {
            assert_eq!(soft, hard);
        }
    }
}
