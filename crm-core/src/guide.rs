//! The user guide, included from `docs/` so that its Rust examples run as doc tests.

pub mod rust {
    #![doc = include_str!("../../docs/rust.md")]
}

pub mod model {
    #![doc = include_str!("../../docs/model.md")]
}

pub mod facts {
    #![doc = include_str!("../../docs/facts.md")]
}

pub mod datasets {
    #![doc = include_str!("../../docs/datasets.md")]
}

pub mod segments {
    #![doc = include_str!("../../docs/segments.md")]
}

pub mod consent {
    #![doc = include_str!("../../docs/consent.md")]
}

pub mod ltv {
    #![doc = include_str!("../../docs/ltv.md")]
}

pub mod campaigns {
    #![doc = include_str!("../../docs/campaigns.md")]
}
