//! Lifetime value: repeat-purchase models fitted by maximum likelihood.
//!
//! This first part holds the BG/NBD model (Fader, Hardie & Lee 2005) fitted
//! on a repeat-purchase [`Summary`] (`frequency`, `recency`, `T` as
//! `lifetimes` defines them), the deterministic optimiser and the special
//! functions the models share. On the CDNOW calibration sample it reproduces
//! the paper's estimates (`tests/data/cdnow/README.md`).
//!
//! ```
//! use crm_core::ltv::{fit_bgnbd, Summary};
//! let s = Summary::new(vec![2.0, 1.0, 0.0, 0.0, 7.0], vec![30.43, 1.71, 0.0, 0.0, 29.43],
//!                      vec![38.86, 38.86, 38.86, 38.86, 38.86])?;
//! let fit = fit_bgnbd(&s, 0.0)?;
//! assert!(fit.params.alpha > 0.0 && fit.log_likelihood < 0.0);
//! # Ok::<(), crm_core::ltv::LtvError>(())
//! ```

mod bgbb;
mod bgnbd;
mod clv;
mod error;
mod fit;
mod gamma_gamma;
mod indexed_transactions;
mod mbgnbd;
mod optimize;
mod pareto_nbd;
mod simple;
mod special;
mod summary;
mod transactions;

pub use bgbb::{check_opportunities, fit_bgbb, BgBbFit, BgBbParams};
pub use bgnbd::{fit_bgnbd, BgNbdFit, BgNbdParams};
pub use clv::{customer_lifetime_value, customer_lifetime_value_money, customer_lifetime_values, PurchaseModel};
pub use error::LtvError;
pub use gamma_gamma::{check_spend, fit_gamma_gamma, GammaGammaFit, GammaGammaParams};
pub use indexed_transactions::{
    calibration_and_holdout_indexed, summarize_indexed, IndexedCalibrationHoldout, IndexedSummary, IndexedTransactions,
    SummaryOptions,
};
pub use mbgnbd::{fit_mbgnbd, MbgNbdParams};
pub use optimize::{log_space_standard_errors, nelder_mead, Minimum};
pub use pareto_nbd::{fit_pareto_nbd, ParetoNbdFit, ParetoNbdParams};
pub use simple::{SimpleLtv, DAYS_PER_YEAR};
pub use special::{hyp2f1, ln_gamma, ln_hyp2f1, log_add_exp};
pub use summary::{check_customer, Summary};
pub use transactions::{
    calibration_and_holdout, summarize_transactions, CalibrationHoldout, Period, Transaction, TransactionSummary,
};
