//! The fixed world the sample data live in: countries (with their time zone,
//! currency and names), and a product catalogue of eight top-level categories.
//! The catalogue is the same for every seed, as a shop's is.

use super::rng::Rng;

/// A country the sample customers live in.
pub(crate) struct Country {
    pub(crate) code: &'static str,
    /// Share of customers, in per mille.
    pub(crate) weight: u32,
    /// IANA zones, with per-mille weights.
    pub(crate) zones: &'static [(&'static str, u32)],
    pub(crate) currency: &'static str,
    pub(crate) locale: &'static str,
    pub(crate) phone_prefix: &'static str,
    pub(crate) cities: &'static [&'static str],
    pub(crate) first_names: &'static [&'static str],
    pub(crate) last_names: &'static [&'static str],
    /// Minor units of the local currency per euro cent, ×1000 (a price list, not a rate).
    pub(crate) price_per_mille: i64,
    /// Whether prices include tax (VAT), else tax is added at checkout.
    pub(crate) taxes_included: bool,
    /// Tax rate in per mille.
    pub(crate) tax_per_mille: i64,
    /// Marketplace channels the shop sells on there (`marketplace:<name>`).
    pub(crate) marketplaces: &'static [&'static str],
}

pub(crate) const COUNTRIES: [Country; 5] = [
    Country {
        code: "TR",
        weight: 400,
        zones: &[("Europe/Istanbul", 1000)],
        currency: "TRY",
        locale: "tr-TR",
        phone_prefix: "+90 5",
        cities: &["İstanbul", "Ankara", "İzmir", "Bursa", "Antalya", "Konya", "Adana", "Eskişehir"],
        first_names: &["Ayşe", "Mehmet", "Fatma", "Mustafa", "Zeynep", "Emre", "Elif", "Can", "Deniz", "Burak"],
        last_names: &["Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Yıldız", "Aydın", "Öztürk", "Arslan", "Doğan"],
        price_per_mille: 35_000,
        taxes_included: true,
        tax_per_mille: 200,
        marketplaces: &["marketplace:Trendyol", "marketplace:Hepsiburada"],
    },
    Country {
        code: "DE",
        weight: 200,
        zones: &[("Europe/Berlin", 1000)],
        currency: "EUR",
        locale: "de-DE",
        phone_prefix: "+49 15",
        cities: &["Berlin", "Hamburg", "München", "Köln", "Frankfurt am Main", "Leipzig"],
        first_names: &["Anna", "Lukas", "Lena", "Jonas", "Mia", "Felix", "Hannah", "Paul"],
        last_names: &["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Wagner", "Becker", "Hoffmann"],
        price_per_mille: 1_000,
        taxes_included: true,
        tax_per_mille: 190,
        marketplaces: &["marketplace:Amazon", "marketplace:eBay"],
    },
    Country {
        code: "US",
        weight: 150,
        zones: &[("America/New_York", 600), ("America/Los_Angeles", 400)],
        currency: "USD",
        locale: "en-US",
        phone_prefix: "+1 2",
        cities: &["New York", "Boston", "Miami", "Los Angeles", "San Francisco", "Seattle"],
        first_names: &["Emma", "Liam", "Olivia", "Noah", "Ava", "James", "Sophia", "Lucas"],
        last_names: &["Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis"],
        price_per_mille: 1_100,
        taxes_included: false,
        tax_per_mille: 80,
        marketplaces: &["marketplace:Amazon", "marketplace:eBay"],
    },
    Country {
        code: "GB",
        weight: 150,
        zones: &[("Europe/London", 1000)],
        currency: "GBP",
        locale: "en-GB",
        phone_prefix: "+44 7",
        cities: &["London", "Manchester", "Birmingham", "Leeds", "Glasgow", "Bristol"],
        first_names: &["Oliver", "Amelia", "George", "Isla", "Harry", "Freya", "Jack", "Grace"],
        last_names: &["Taylor", "Evans", "Thomas", "Roberts", "Walker", "Wright", "Hughes", "Green"],
        price_per_mille: 850,
        taxes_included: true,
        tax_per_mille: 200,
        marketplaces: &["marketplace:Amazon", "marketplace:eBay"],
    },
    Country {
        code: "JP",
        weight: 100,
        zones: &[("Asia/Tokyo", 1000)],
        currency: "JPY",
        locale: "ja-JP",
        phone_prefix: "+81 90",
        cities: &["東京", "大阪", "横浜", "名古屋", "札幌", "福岡"],
        first_names: &["Haruto", "Yui", "Sota", "Hina", "Ren", "Aoi", "Yuto", "Sakura"],
        last_names: &["Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito", "Yamamoto", "Nakamura"],
        // 1 euro cent ≈ 1.6 yen; JPY has no minor unit, so prices are whole yen.
        price_per_mille: 1_600,
        taxes_included: true,
        tax_per_mille: 100,
        marketplaces: &["marketplace:Amazon", "marketplace:Rakuten"],
    },
];

/// A top-level category with its subcategories, brands and price range (euro cents).
struct Category {
    name: &'static str,
    /// Share of lines, in per mille.
    weight: u32,
    subcategories: &'static [&'static str],
    brands: &'static [&'static str],
    price_cents: (i64, i64),
}

const CATEGORIES: [Category; 8] = [
    Category {
        name: "Electronics",
        weight: 140,
        subcategories: &["Phones", "Laptops", "Audio", "Accessories"],
        brands: &["Voltra", "Nimbus", "Kestrel", "Orbit"],
        price_cents: (1_999, 129_900),
    },
    Category {
        name: "Fashion",
        weight: 200,
        subcategories: &["Women", "Men", "Shoes", "Bags"],
        brands: &["Atelier Nova", "Rivet", "Lumen", "Basic Co"],
        price_cents: (999, 14_900),
    },
    Category {
        name: "Home",
        weight: 140,
        subcategories: &["Kitchen", "Decor", "Bedding", "Lighting"],
        brands: &["Hearth", "Linden", "Casa Mia", "Nordvik"],
        price_cents: (799, 24_900),
    },
    Category {
        name: "Sport",
        weight: 100,
        subcategories: &["Running", "Fitness", "Outdoor", "Cycling"],
        brands: &["Stride", "Peakline", "Vigor", "Trailhead"],
        price_cents: (1_499, 39_900),
    },
    Category {
        name: "Beauty",
        weight: 120,
        subcategories: &["Skincare", "Makeup", "Fragrance", "Hair"],
        brands: &["Velvet", "Pura", "Maison Iris", "Glow"],
        price_cents: (499, 9_900),
    },
    Category {
        name: "Books",
        weight: 100,
        subcategories: &["Fiction", "Non-fiction", "Children", "Comics"],
        brands: &["Quill Press", "Harbor Books", "Lantern", "Atlas"],
        price_cents: (599, 3_999),
    },
    Category {
        name: "Toys",
        weight: 80,
        subcategories: &["Building", "Dolls", "Games", "Baby"],
        brands: &["Brickly", "Tumble", "Playwise", "Kiko"],
        price_cents: (699, 12_900),
    },
    Category {
        name: "Grocery",
        weight: 120,
        subcategories: &["Coffee", "Snacks", "Pantry", "Drinks"],
        brands: &["Harvest", "Daily Good", "Olivia's", "Bean & Leaf"],
        price_cents: (199, 2_999),
    },
];

/// Names of the eight top-level categories.
pub const CATEGORY_NAMES: [&str; 8] = ["Electronics", "Fashion", "Home", "Sport", "Beauty", "Books", "Toys", "Grocery"];

/// Products per category.
const PER_CATEGORY: usize = 60;

/// The product catalogue: one row per product. Order lines, cart items and
/// events refer to products by row.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Catalog {
    /// Stock-keeping unit, e.g. `ELE-PHO-003`.
    pub sku: Vec<String>,
    /// Product id, e.g. `p0007`.
    pub product_id: Vec<String>,
    /// Title, e.g. `Voltra Phones 3`.
    pub title: Vec<String>,
    /// Top-level category (one of [`CATEGORY_NAMES`]).
    pub category: Vec<&'static str>,
    /// Second level of the category path.
    pub subcategory: Vec<&'static str>,
    /// Brand.
    pub brand: Vec<&'static str>,
    /// List price in euro cents (converted per country by its price list).
    pub price_cents: Vec<i64>,
}

impl Catalog {
    /// Number of products.
    pub fn len(&self) -> usize {
        self.sku.len()
    }

    /// True when there are no products.
    pub fn is_empty(&self) -> bool {
        self.sku.is_empty()
    }

    /// The catalogue (the same for every seed).
    pub(crate) fn build() -> Catalog {
        let mut rng = Rng::new(0x0C47_A106, 0);
        let mut c = Catalog::default();
        for cat in &CATEGORIES {
            for k in 0..PER_CATEGORY {
                let sub = cat.subcategories[k % cat.subcategories.len()];
                let brand = cat.brands[(k / cat.subcategories.len()) % cat.brands.len()];
                // Log-uniform prices: many cheap items, a few expensive ones.
                let (lo, hi) = (cat.price_cents.0 as f64, cat.price_cents.1 as f64);
                let price = (lo * (hi / lo).powf(rng.unit())).round() as i64;
                // Shop prices end in 99 (or 9 below one euro).
                let price = if price >= 100 { (price / 100) * 100 + 99 } else { price / 10 * 10 + 9 };
                let row = c.sku.len();
                c.sku.push(format!("{}-{}-{:03}", upper3(cat.name), upper3(sub), k + 1));
                c.product_id.push(format!("p{:04}", row + 1));
                c.title.push(format!("{brand} {sub} {}", k / 16 + 1));
                c.category.push(cat.name);
                c.subcategory.push(sub);
                c.brand.push(brand);
                c.price_cents.push(price);
            }
        }
        c
    }

    /// A product of category `cat` (index into [`CATEGORY_NAMES`]).
    pub(crate) fn pick_in(&self, rng: &mut Rng, cat: usize) -> u32 {
        // Within a category, popularity falls off with the product's rank.
        let k = ((rng.unit() * rng.unit()) * PER_CATEGORY as f64) as usize;
        (cat * PER_CATEGORY + k.min(PER_CATEGORY - 1)) as u32
    }

    /// Index of the top-level category of product `p`.
    #[cfg(test)]
    pub(crate) fn category_index(p: u32) -> usize {
        p as usize / PER_CATEGORY
    }
}

/// Per-mille weights of the categories.
pub(crate) fn category_weights() -> [u32; 8] {
    let mut w = [0u32; 8];
    for (i, c) in CATEGORIES.iter().enumerate() {
        w[i] = c.weight;
    }
    w
}

fn upper3(s: &str) -> String {
    s.chars().filter(char::is_ascii_alphabetic).take(3).collect::<String>().to_ascii_uppercase()
}

/// Coupon codes with their percent off.
pub(crate) const COUPONS: [(&str, i64); 4] = [("WELCOME10", 10), ("SEPET15", 15), ("SUMMER20", 20), ("FRIDAY25", 25)];

/// Campaign attributions `(utm_source, utm_medium, utm_campaign)`.
pub(crate) const UTMS: [(&str, &str, &str); 4] = [
    ("google", "cpc", "brand-search"),
    ("newsletter", "email", "weekly"),
    ("instagram", "social", "spring-sale"),
    ("facebook", "paid_social", "retargeting"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;

    #[test]
    fn every_country_currency_and_zone_is_known() {
        for c in &COUNTRIES {
            assert!(Currency::new(c.currency).is_ok(), "{}", c.currency);
            for (z, _) in c.zones {
                assert!(z.parse::<crate::time::TimeZone>().is_ok(), "{z}");
            }
        }
        assert_eq!(CATEGORIES.map(|c| c.name), CATEGORY_NAMES);
    }

    #[test]
    fn catalogue_prices_end_in_99() {
        let c = Catalog::build();
        assert_eq!(c.len(), 8 * PER_CATEGORY);
        assert!(c.price_cents.iter().all(|p| p % 100 == 99 || (*p < 100 && p % 10 == 9)));
        assert_eq!(Catalog::category_index(c.pick_in(&mut Rng::new(1, 1), 3)), 3);
    }
}
