//! Two independent pieces of work that a caller may run at once.
//!
//! The core starts no threads: a function that has two independent halves
//! (the three RFM score columns, for one) takes a [`Join`] and lets it decide
//! how they run. [`Sequential`] runs them one after the other; a binding
//! with a thread budget (crm-py) runs them on two threads. The result is the
//! same either way.

/// Runs `a` and `b`, which share nothing mutable, and returns both results.
///
/// ```
/// use crm_core::join::{Join, Sequential};
/// let (a, b) = Sequential.join(|| 2 + 2, || "four".len());
/// assert_eq!((a, b), (4, 4));
/// ```
pub trait Join: Sync {
    /// `(a(), b())`, in any order or at once.
    fn join<A: Send, B: Send>(&self, a: impl FnOnce() -> A + Send, b: impl FnOnce() -> B + Send) -> (A, B);
}

/// Runs `a`, then `b`, on the calling thread.
#[derive(Clone, Copy, Debug, Default)]
pub struct Sequential;

impl Join for Sequential {
    fn join<A: Send, B: Send>(&self, a: impl FnOnce() -> A + Send, b: impl FnOnce() -> B + Send) -> (A, B) {
        let a = a();
        (a, b())
    }
}
