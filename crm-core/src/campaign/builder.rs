//! Building flows and steps in Rust; the result is the same value as the JSON form.

use super::flow::{Delay, Exits, Flow, Offer, SendWindow, Step, Trigger};
use super::span::Span;
use super::CampaignError;
use crate::model::{Channel, Purpose};
use crate::segment::Rule;

/// Builds a [`Flow`]; [`FlowBuilder::build`] checks it as [`Flow::from_json`] does.
///
/// ```
/// use crm_core::campaign::{Delay, Flow, Span, Step, Trigger};
/// use crm_core::model::Channel;
/// use crm_core::segment::Rule;
/// let flow = Flow::builder("vip_cart", Trigger::CartAbandoned { idle: Span::hours(2) })
///     .priority(50)
///     .filter(Rule::parse("tags CONTAINS 'vip'")?)
///     .step(Step::new("nudge", Delay::After(Span::hours(2)), [Channel::Sms, Channel::Email], "vip_cart"))
///     .build()?;
/// assert_eq!(flow.steps[0].channels, [Channel::Sms, Channel::Email]);
/// assert_eq!(serde_json::to_value(&flow)?["filter"], "tags CONTAINS 'vip'");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct FlowBuilder {
    flow: Flow,
}

impl Flow {
    /// Starts building a marketing flow with priority 0 and no steps.
    pub fn builder(id: &str, trigger: Trigger) -> FlowBuilder {
        FlowBuilder {
            flow: Flow {
                id: id.into(),
                name: None,
                purpose: Purpose::Marketing,
                priority: 0,
                trigger,
                trigger_filter: None,
                filter: None,
                exits: Exits::default(),
                cooldown: None,
                holdout_percent: 0.0,
                steps: Vec::new(),
            },
        }
    }
}

impl FlowBuilder {
    /// Display name.
    pub fn name(mut self, name: &str) -> Self {
        self.flow.name = Some(name.into());
        self
    }
    /// Marketing or transactional.
    pub fn purpose(mut self, purpose: Purpose) -> Self {
        self.flow.purpose = purpose;
        self
    }
    /// Priority under caps (higher wins).
    pub fn priority(mut self, priority: i32) -> Self {
        self.flow.priority = priority;
        self
    }
    /// Rule checked at entry.
    pub fn trigger_filter(mut self, rule: Rule) -> Self {
        self.flow.trigger_filter = Some(rule);
        self
    }
    /// Rule checked at entry and before every step.
    pub fn filter(mut self, rule: Rule) -> Self {
        self.flow.filter = Some(rule);
        self
    }
    /// Exit conditions.
    pub fn exits(mut self, exits: Exits) -> Self {
        self.flow.exits = exits;
        self
    }
    /// Re-entry cooldown.
    pub fn cooldown(mut self, span: Span) -> Self {
        self.flow.cooldown = Some(span);
        self
    }
    /// Percentage held out of the flow.
    pub fn holdout_percent(mut self, percent: f64) -> Self {
        self.flow.holdout_percent = percent;
        self
    }
    /// Appends a step.
    pub fn step(mut self, step: Step) -> Self {
        self.flow.steps.push(step);
        self
    }
    /// The flow, checked.
    ///
    /// # Errors
    /// [`CampaignError::InvalidFlow`] as [`Flow::validate`].
    pub fn build(self) -> Result<Flow, CampaignError> {
        self.flow.validate("flow")?;
        Ok(self.flow)
    }

    /// The flow without checking it, for flows known to be valid (the presets).
    pub(super) fn unchecked(self) -> Flow {
        self.flow
    }
}

impl Step {
    /// A step with no window, offer or recommendations.
    pub fn new(id: &str, delay: Delay, channels: impl IntoIterator<Item = Channel>, template: &str) -> Step {
        Step {
            id: id.into(),
            delay,
            window: None,
            channels: channels.into_iter().collect(),
            template: template.into(),
            offer: None,
            recommendations: 0,
        }
    }
    /// With a send window.
    pub fn window(mut self, window: SendWindow) -> Step {
        self.window = Some(window);
        self
    }
    /// With an offer.
    pub fn offer(mut self, offer: Offer) -> Step {
        self.offer = Some(offer);
        self
    }
    /// With this many recommended items in the payload.
    pub fn recommendations(mut self, n: u8) -> Step {
        self.recommendations = n;
        self
    }
}
