//! Co-purchase table ("bought this, also bought") and cross-sell suggestions.
//! (Being written; see the helper's brief.)
