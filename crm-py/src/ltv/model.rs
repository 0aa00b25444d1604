//! The models by the names the Python layer uses, with their parameters in
//! lifetimes' order.

use crm_core::ltv::{BgBbParams, BgNbdParams, GammaGammaParams, LtvError, MbgNbdParams, ParetoNbdParams};

use super::columns::bad_option;

/// A model named by the Python layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    /// BG/NBD (`BetaGeoFitter`).
    BgNbd,
    /// MBG/NBD (`ModifiedBetaGeoFitter`).
    MbgNbd,
    /// Pareto/NBD (`ParetoNBDFitter`).
    ParetoNbd,
    /// BG/BB (`BetaGeoBetaBinomFitter`).
    BgBb,
    /// Gamma-Gamma (`GammaGammaFitter`).
    GammaGamma,
}

impl Kind {
    /// The model called `name`: `bgnbd`, `mbgnbd`, `pareto_nbd`, `bgbb`, `gamma_gamma`.
    pub(super) fn parse(name: &str) -> Result<Kind, LtvError> {
        Ok(match name {
            "bgnbd" => Kind::BgNbd,
            "mbgnbd" => Kind::MbgNbd,
            "pareto_nbd" => Kind::ParetoNbd,
            "bgbb" => Kind::BgBb,
            "gamma_gamma" => Kind::GammaGamma,
            _ => {
                return Err(bad_option(
                    "model",
                    format!("unknown model `{name}` (bgnbd, mbgnbd, pareto_nbd, bgbb, gamma_gamma)"),
                ))
            }
        })
    }

    /// lifetimes' parameter names, in order.
    pub(super) fn param_names(self) -> &'static [&'static str] {
        match self {
            Kind::BgNbd | Kind::MbgNbd => &["r", "alpha", "a", "b"],
            Kind::ParetoNbd => &["r", "alpha", "s", "beta"],
            Kind::BgBb => &["alpha", "beta", "gamma", "delta"],
            Kind::GammaGamma => &["p", "q", "v"],
        }
    }
}

/// A model with its parameters.
#[derive(Clone, Copy, Debug)]
pub(super) enum Fitted {
    /// BG/NBD.
    BgNbd(BgNbdParams),
    /// MBG/NBD.
    MbgNbd(MbgNbdParams),
    /// Pareto/NBD.
    ParetoNbd(ParetoNbdParams),
    /// BG/BB.
    BgBb(BgBbParams),
    /// Gamma-Gamma.
    GammaGamma(GammaGammaParams),
}

impl Fitted {
    /// Model `name` with `params` in lifetimes' order (see [`Kind::param_names`]).
    ///
    /// # Errors
    /// `InvalidOption` for an unknown model, a wrong number of parameters or
    /// a parameter that is not a finite number > 0.
    pub(super) fn new(name: &str, params: &[f64]) -> Result<Fitted, LtvError> {
        let kind = Kind::parse(name)?;
        let names = kind.param_names();
        if params.len() != names.len() {
            return Err(bad_option(
                "params_",
                format!("{} parameters ({}) expected, got {}", names.len(), names.join(", "), params.len()),
            ));
        }
        if let Some((n, v)) = names.iter().zip(params).find(|(_, v)| !(v.is_finite() && **v > 0.0)) {
            return Err(bad_option("params_", format!("`{n}` must be a finite number > 0, got {v}")));
        }
        let p = params;
        let four = || BgNbdParams { r: p[0], alpha: p[1], a: p[2], b: p[3] };
        Ok(match kind {
            Kind::BgNbd => Fitted::BgNbd(four()),
            Kind::MbgNbd => Fitted::MbgNbd(MbgNbdParams(four())),
            Kind::ParetoNbd => Fitted::ParetoNbd(ParetoNbdParams { r: p[0], alpha: p[1], s: p[2], beta: p[3] }),
            Kind::BgBb => Fitted::BgBb(BgBbParams { alpha: p[0], beta: p[1], gamma: p[2], delta: p[3] }),
            Kind::GammaGamma => Fitted::GammaGamma(GammaGammaParams { p: p[0], q: p[1], v: p[2] }),
        })
    }
}
