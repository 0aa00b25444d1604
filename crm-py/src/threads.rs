//! How many threads the library may use.

/// The threads a call may use: the environment variable `CRM_CORE_THREADS`
/// when it holds a whole number ≥ 1, else every core.
pub(crate) fn limit() -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    std::env::var("CRM_CORE_THREADS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|t| *t >= 1)
        .unwrap_or(cores)
}

/// `(a(), b())`: on two threads when the [`limit`] allows, else one after
/// the other. A panic in either comes back as its `Err`.
pub(crate) fn both<A: Send, B: Send>(
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B + Send,
) -> (std::thread::Result<A>, std::thread::Result<B>) {
    use std::panic::{catch_unwind, AssertUnwindSafe};
    if limit() < 2 {
        let first = catch_unwind(AssertUnwindSafe(a));
        return (first, catch_unwind(AssertUnwindSafe(b)));
    }
    std::thread::scope(|scope| {
        let other = scope.spawn(b);
        (catch_unwind(AssertUnwindSafe(a)), other.join())
    })
}

/// [`both`] as the core's [`Join`](crm_core::join::Join): the core's
/// two-part steps (the RFM scores and columns, the RFM segment column) run on
/// two threads within the [`limit`]. A panic in either part continues in the
/// caller.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Threads;

impl crm_core::join::Join for Threads {
    fn join<A: Send, B: Send>(&self, a: impl FnOnce() -> A + Send, b: impl FnOnce() -> B + Send) -> (A, B) {
        match both(a, b) {
            (Ok(a), Ok(b)) => (a, b),
            (Err(p), _) | (_, Err(p)) => std::panic::resume_unwind(p),
        }
    }
}
