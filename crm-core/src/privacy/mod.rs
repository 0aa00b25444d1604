//! Data subject rights: export, erasure, retention.
