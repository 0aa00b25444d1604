//! Consent ledger: consent state with evidence, double opt-in, suppression, İYS records.
