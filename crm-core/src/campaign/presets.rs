//! The preset flows, with the defaults of the product brief.

use super::calendar::clock;
use super::flow::{DateField, Delay, Flow, Offer, Step, Trigger};
use super::span::Span;
use crate::model::{Channel, Purpose};

/// Names of the presets, in the order [`presets`] returns them.
pub const PRESETS: [&str; 7] = [
    "cart_recovery",
    "welcome",
    "order_confirmation",
    "post_purchase",
    "product_recommendation",
    "birthday",
    "win_back",
];

fn step(id: &str, delay: Delay, channels: &[Channel], template: &str) -> Step {
    Step {
        id: id.into(),
        delay,
        window: None,
        channels: channels.to_vec(),
        template: template.into(),
        offer: None,
        recommendations: 0,
    }
}

fn after(h: i64) -> Delay {
    Delay::After(Span::hours(h))
}

fn day_at(days: i32, hour: u16) -> Delay {
    Delay::Calendar { days, at: clock(hour, 0) }
}

fn offer(percent: Option<u8>, free_shipping: bool, prefix: Option<&str>, valid_for: Option<Span>) -> Option<Offer> {
    Some(Offer {
        percent_off: percent,
        free_shipping,
        code_prefix: prefix.map(str::to_string),
        code_length: 8,
        valid_for,
    })
}

fn flow(id: &str, name: &str, purpose: Purpose, priority: i32, trigger: Trigger, steps: Vec<Step>) -> Flow {
    Flow { name: Some(name.into()), purpose, priority, steps, ..Flow::builder(id, trigger).unchecked() }
}

/// A preset flow by name (see [`PRESETS`]); `None` for an unknown name.
///
/// | preset | trigger | steps |
/// |---|---|---|
/// | `cart_recovery` | cart idle 1 h | 1 h reminder (e-mail, SMS); 24 h 15% code valid 24 h; 72 h last chance, free shipping + 15% |
/// | `welcome` | sign-up | at once; day 2 and day 5 at 10:00 (first-order offer 10%) |
/// | `order_confirmation` | order placed | at once, transactional |
/// | `post_purchase` | order placed | day 1, 3, 7, 14, 30 at 10:00; day 30 review request + 10% |
/// | `product_recommendation` | order placed | day 7 at 11:00, 3 recommended categories |
/// | `birthday` | birthday | 3 days before at 10:00, 20% + free shipping, code valid 7 days |
/// | `win_back` | 60 days without an order | at once: 25% + 3 recommendations, valid 14 days |
///
/// ```
/// use crm_core::campaign::{preset, PRESETS};
/// let f = preset("cart_recovery").unwrap();
/// assert_eq!(f.steps.len(), 3);
/// assert!(PRESETS.iter().all(|p| preset(p).is_some_and(|f| f.validate("flow").is_ok())));
/// ```
pub fn preset(name: &str) -> Option<Flow> {
    use Channel::{Email, Sms};
    let email = &[Email][..];
    Some(match name {
        "cart_recovery" => {
            let reminder = step("reminder", after(1), &[Email, Sms], "cart_reminder");
            let mut discount = step("discount", after(24), &[Email, Sms], "cart_discount");
            discount.offer = offer(Some(15), false, Some("SEPET15"), Some(Span::hours(24)));
            let mut last = step("last_chance", after(72), &[Email, Sms], "cart_last_chance");
            last.offer = offer(Some(15), true, Some("SEPET15"), Some(Span::hours(48)));
            let trigger = Trigger::CartAbandoned { idle: Span::hours(1) };
            flow("cart_recovery", "Cart recovery", Purpose::Marketing, 30, trigger, vec![reminder, discount, last])
        }
        "welcome" => {
            let mut first = step("first_order_offer", day_at(5, 10), email, "welcome_offer");
            first.offer = offer(Some(10), false, Some("HOSGELDIN10"), Some(Span::days(14)));
            flow(
                "welcome",
                "Welcome series",
                Purpose::Marketing,
                20,
                Trigger::SignedUp,
                vec![
                    step("welcome", after(0), email, "welcome"),
                    step("brand_story", day_at(2, 10), email, "brand_story"),
                    first,
                ],
            )
        }
        "order_confirmation" => flow(
            "order_confirmation",
            "Order confirmation",
            Purpose::Transactional,
            100,
            Trigger::OrderPlaced,
            vec![step("confirmation", after(0), &[Email, Sms], "order_confirmation")],
        ),
        "post_purchase" => {
            let mut review = step("review_request", day_at(30, 10), email, "review_request");
            review.offer = offer(Some(10), false, Some("YORUM10"), Some(Span::days(30)));
            flow(
                "post_purchase",
                "Post-purchase",
                Purpose::Marketing,
                10,
                Trigger::OrderPlaced,
                vec![
                    step("thanks", day_at(1, 10), email, "thanks_shipping"),
                    step("delivery", day_at(3, 10), email, "delivery_reminder"),
                    step("tips", day_at(7, 10), email, "usage_tips"),
                    step("complementary", day_at(14, 10), email, "complementary_products"),
                    review,
                ],
            )
        }
        "product_recommendation" => {
            let mut s = step("recommendation", day_at(7, 11), email, "also_bought");
            s.recommendations = 3;
            flow(
                "product_recommendation",
                "Product recommendation",
                Purpose::Marketing,
                5,
                Trigger::OrderPlaced,
                vec![s],
            )
        }
        "birthday" => {
            let mut s = step("birthday_gift", day_at(-3, 10), &[Email, Sms], "birthday");
            s.offer = offer(Some(20), true, Some("DOGUMGUNU20"), Some(Span::days(7)));
            flow("birthday", "Birthday", Purpose::Marketing, 40, Trigger::Date { field: DateField::Birthday }, vec![s])
        }
        "win_back" => {
            let mut s = step("we_missed_you", after(0), email, "win_back");
            s.offer = offer(Some(25), false, Some("GERIDON25"), Some(Span::days(14)));
            s.recommendations = 3;
            let mut f = flow(
                "win_back",
                "Win-back",
                Purpose::Marketing,
                15,
                Trigger::Inactive { after: Span::days(60) },
                vec![s],
            );
            f.cooldown = Some(Span::days(90));
            f
        }
        _ => return None,
    })
}

/// Every preset flow, in [`PRESETS`] order.
pub fn presets() -> Vec<Flow> {
    PRESETS.iter().filter_map(|p| preset(p)).collect()
}
