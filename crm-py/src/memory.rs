//! How long freed memory stays with the process.
//!
//! A call that reads ten million orders allocates a few hundred megabytes
//! (hash tables, sort buffers, output columns) and frees them at the end.
//! mimalloc hands freed pages back to the kernel after 1 s; the next call
//! then faults every page in again, which on these machines costs more than
//! a tenth of the call (`crm_core.rfm` on 10M orders: medians 0.43-0.50 s
//! after a pause against 0.36-0.39 s with the pages kept). Keeping them
//! 10 s, the default decay time of jemalloc (the allocator polars ships
//! with), lets a notebook's calls in a row reuse them; an idle process
//! still returns them.

use std::os::raw::c_long;

use libmimalloc_sys::{mi_option_get, mi_option_set, mi_option_t};

/// `mi_option_purge_delay`, by its place in `mi_option_e` of mimalloc's
/// `mimalloc.h` (the same in mimalloc 2 and 3): libmimalloc-sys names no
/// constant for it, only its neighbours `mi_option_eager_commit_delay` (14)
/// and `mi_option_use_numa_nodes` (16).
const PURGE_DELAY: mi_option_t = 15;
/// mimalloc's default purge delay (ms): what [`PURGE_DELAY`] reads when it
/// is that option and nobody has set it (`MIMALLOC_PURGE_DELAY`).
const MIMALLOC_DEFAULT_MS: c_long = 1000;
/// The delay set instead (ms).
pub(crate) const KEEP_MS: c_long = 10_000;

/// Sets mimalloc's purge delay to [`KEEP_MS`] when it still has its
/// default: a delay the user chose through `MIMALLOC_PURGE_DELAY` is kept,
/// and so is every option of a mimalloc whose options have moved (the
/// default would not read back). Call once, before any thread of ours runs.
pub(crate) fn keep_freed_memory() {
    // SAFETY: both calls only read or store one option value; mimalloc
    // documents them as not thread-safe, and the module's init runs before
    // any of our threads exists.
    unsafe {
        if mi_option_get(PURGE_DELAY) == MIMALLOC_DEFAULT_MS {
            mi_option_set(PURGE_DELAY, KEEP_MS);
        }
    }
}

#[cfg(test)]
mod tests {
    use libmimalloc_sys::mi_option_get;

    use super::{keep_freed_memory, KEEP_MS, MIMALLOC_DEFAULT_MS, PURGE_DELAY};

    /// The option at [`PURGE_DELAY`] reads mimalloc's default purge delay
    /// (so it is that option), and reads the new delay once set. Fails when
    /// `MIMALLOC_PURGE_DELAY` is set in the environment.
    #[test]
    fn sets_the_purge_delay() {
        // SAFETY: the only test that touches mimalloc's options.
        let before = unsafe { mi_option_get(PURGE_DELAY) };
        assert_eq!(before, MIMALLOC_DEFAULT_MS);
        keep_freed_memory();
        // SAFETY: as above.
        assert_eq!(unsafe { mi_option_get(PURGE_DELAY) }, KEEP_MS);
    }
}
