//! The deterministic synthetic-province generator (issue 4): N realistic enterprises of one
//! province — valid credit codes, Chinese names, legal representatives with GB 11643 identity
//! numbers, addresses, key-product categories — written as CSV (`write_csv`) or loaded into the
//! database (`load_into`). The same arguments give the same enterprises on every machine.
//!
//! How it stays deterministic: enterprise `i` is drawn from its own SplitMix64 stream seeded
//! from (`seed`, `i`), with integer arithmetic only (no `rand`, no floating point), so it depends
//! on nothing but the arguments and the tables in this file and in `touchstone-domain` (regions,
//! catalogue). Editing a table changes the output; the golden test below notices.
//!
//! What it draws, and how:
//! - region: every county-level region of the province (a prefecture without counties counts as
//!   one), weighted 3 for a city district (…区), 2 for a county-level city (…市), 1 otherwise —
//!   districts are denser than rural counties;
//! - credit code: `Uscc::compose("91", county, body)` where the 8-character body is a keyed
//!   permutation of `i` over all 31^8 bodies (the code alphabet: no I, O, S, V, Z, which GB 32100
//!   forbids), so codes of one run are unique by construction and nothing has to be remembered
//!   while streaming a million rows;
//! - scale micro 40 % / small 40 % / medium 15 % / large 5 %; status operating 92 % / suspended
//!   5 % / closed 3 %; roles mostly producers (85 %), some distributors and online sellers;
//! - 1–3 product categories, each pick 70 % a category of the `jiangxi-2022` key-product list (or
//!   a leaf below it) and 30 % another leaf of the catalogue; the first category names the
//!   trade (`电缆`, `水泥`, `消防器材`…) and the GB/T 4754 industry code;
//! - an industrial park for 40 %; 1–2 contacts; coordinates for Jiangxi only (around each city's
//!   centre, then per county and per enterprise jitter, inside lat 24.5–30.1, lon 113.5–118.5);
//!   other provinces get no coordinates.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;
use touchstone_domain::ValidationErrors;
use touchstone_domain::catalogue::catalogue;
use touchstone_domain::enterprise::Coordinates;
use touchstone_domain::region::{Region, RegionCode, RegionLevel, regions};
use touchstone_domain::role::Permission;
use touchstone_domain::uscc::Uscc;
use touchstone_store::certificates::{self as cert_store, CertificateRow};
use touchstone_store::enterprises::{self as store, ContactRow, EnterpriseRow};
use uuid::Uuid;

use crate::audit::{self, Change};
use crate::enterprises::{ContactInput, EnterpriseInput};
use crate::{Actor, App, Error, Result};

/// The most enterprises one run generates.
pub const MAX_ENTERPRISES: usize = 5_000_000;
/// Enterprises per database transaction.
pub const BATCH: usize = 1_000;
/// `load_into` reports progress on stderr every this many rows.
pub const PROGRESS_EVERY: usize = 10_000;
/// The key-product list most category picks come from.
pub const KEY_PRODUCT_LIST: &str = "jiangxi-2022";

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GenerateOptions {
    /// A provincial-level GB/T 2260 code, e.g. `360000`.
    pub province: String,
    /// How many enterprises, 1 to 5,000,000.
    pub enterprises: usize,
    pub seed: u64,
}

/// The outcome of a database load.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct GenerateReport {
    /// Enterprises added by this run.
    pub inserted: usize,
    /// Generated enterprises whose credit code was already registered.
    pub skipped: usize,
    /// Certificates added with the new enterprises.
    pub certificates: usize,
}

// ---------------------------------------------------------------------------------------------
// The random numbers: SplitMix64, one stream per enterprise.

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// The SplitMix64 finaliser: a bijective 64-bit mix.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A SplitMix64 stream (the campaign generator draws from it too).
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn for_enterprise(seed: u64, index: u64) -> Rng {
        Rng(mix(seed ^ mix(index.wrapping_add(GOLDEN))))
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(GOLDEN);
        mix(self.0)
    }

    /// Uniform in `0..n` (`n > 0`), by multiply-shift.
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    pub(crate) fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    pub(crate) fn percent(&mut self, p: u64) -> bool {
        self.below(100) < p
    }

    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    pub(crate) fn word(&mut self, items: &[&'static str]) -> &'static str {
        items[self.below(items.len() as u64) as usize]
    }

    /// An index drawn by weight from cumulative weights (last = total).
    fn by_weight(&mut self, cumulative: &[u64]) -> usize {
        let total = cumulative.last().copied().unwrap_or(1);
        let x = self.below(total);
        cumulative.partition_point(|&c| c <= x)
    }

    fn digits(&mut self, n: usize) -> String {
        (0..n).map(|_| char::from(b'0' + self.below(10) as u8)).collect()
    }
}

// ---------------------------------------------------------------------------------------------
// Unique organisation-code bodies: a keyed permutation of the index.

/// The credit-code alphabet (GB 32100): the organisation body must use it too.
const CODE_ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// 31^8 possible bodies.
const BODY_SPACE: u64 = 852_891_037_441;

/// A 4-round Feistel permutation of 0..2^40.
fn feistel40(key: u64, x: u64) -> u64 {
    const MASK: u64 = (1 << 20) - 1;
    let (mut left, mut right) = (x >> 20, x & MASK);
    for round in 0..4u64 {
        let f = mix(key.wrapping_add(round.wrapping_mul(GOLDEN)) ^ right) & MASK;
        (left, right) = (right, left ^ f);
    }
    (left << 20) | right
}

/// The organisation-code body of enterprise `index`: a permutation of 0..31^8 (cycle-walking the
/// 40-bit Feistel permutation), so distinct indices always give distinct bodies.
fn organisation_body(seed: u64, index: u64) -> String {
    let key = mix(seed ^ 0x6F72_6763_6F64_6538);
    let mut x = feistel40(key, index);
    while x >= BODY_SPACE {
        x = feistel40(key, x);
    }
    let mut out = [b'0'; 8];
    for slot in out.iter_mut().rev() {
        *slot = CODE_ALPHABET[(x % 31) as usize];
        x /= 31;
    }
    out.iter().map(|&b| char::from(b)).collect()
}

// ---------------------------------------------------------------------------------------------
// Word lists.

/// The 100 commonest surnames.
const SURNAMES: &str = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤";
/// Characters of given names.
const GIVEN: &str = "伟芳娜秀敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂英华建国文辉林红玲斌波宇浩凯鹏亮婷雪琳晨欣鑫俊峰海燕萍金志东春龙荣兵飞成福生德新庆永忠良启思佳怡轩涵然博睿诗雨嘉豪泽阳瑶璐帆航";
/// Characters of trade names (字号); duplicates are dropped when the table is built.
const TRADE: &str = "华鑫诚达恒盛宏泰源通昌隆兴旺祥瑞福康富丰利嘉和顺安永长久益佳美新亿金宝鼎德信义仁博远大鸿运吉庆荣耀光明辉星宇海江河山川林森峰岭石磊晶玉翔飞腾龙凤鹏骏豪杰英俊伟志强胜凯旋合众联创力拓宁平中正方圆东南西北春秋雅致精匠艺铭优越卓凡万千成立汇聚跃赣洪章庐湘楚吴晋皓晟昊曦灿烨煜炜锦绣彩虹云霞润泽清淳厚朴勤威邦国民乐天元亨贞百同广厦图业盈茂夏神州银地人首冠标杆驰骋铁钢坚固稳固佰仟祺禧麒麟龙虎豹鹰雁鸿鹄";
const TOWNS: &[&str] = &[
    "城东", "城西", "城南", "城北", "城关", "新城", "河东", "河西", "金桥", "花园", "长安", "太平", "和平", "新华",
    "白沙", "石桥", "黄田", "马口", "桥头", "塘口", "沙港", "罗坊", "潭口", "梅林", "荷塘", "洪门", "杨桥", "樟村",
    "上塘", "下坊",
];
const TOWN_KINDS: &[&str] = &["镇", "镇", "镇", "街道", "乡"];
const ROADS: &[&str] = &[
    "建设路",
    "人民路",
    "解放路",
    "胜利路",
    "工业大道",
    "迎宾大道",
    "创业路",
    "科技大道",
    "兴业大道",
    "发展大道",
    "环城路",
    "滨江路",
    "中山路",
    "长征路",
    "红旗路",
    "团结路",
    "光明路",
    "府前路",
    "站前路",
    "文化路",
    "振兴大道",
    "富民路",
    "产业路",
    "园区大道",
    "新港路",
    "物流大道",
    "青年路",
    "健康路",
    "东风路",
    "沿江路",
];
const PARK_KINDS: &[&str] = &["工业园区", "经济开发区", "高新技术产业园区", "产业园"];
const POSITIONS: &[&str] =
    &["总经理", "质量负责人", "办公室主任", "生产厂长", "销售经理", "安全主管", "技术负责人", "财务负责人"];

/// Jiangxi's prefecture-level cities: approximate centre (micro-degrees) and telephone area code.
const JIANGXI_CITIES: &[(&str, i64, i64, &str)] = &[
    ("360100", 28_682_000, 115_858_000, "0791"),
    ("360200", 29_269_000, 117_178_000, "0798"),
    ("360300", 27_622_000, 113_854_000, "0799"),
    ("360400", 29_705_000, 116_001_000, "0792"),
    ("360500", 27_818_000, 114_917_000, "0790"),
    ("360600", 28_260_000, 117_069_000, "0701"),
    ("360700", 25_831_000, 114_935_000, "0797"),
    ("360800", 27_113_000, 114_993_000, "0796"),
    ("360900", 27_815_000, 114_416_000, "0795"),
    ("361000", 27_949_000, 116_358_000, "0794"),
    ("361100", 28_455_000, 117_943_000, "0793"),
];
const LAT_RANGE: (i64, i64) = (24_500_000, 30_100_000);
const LON_RANGE: (i64, i64) = (113_500_000, 118_500_000);

/// Relative frequency of each key product among key-product picks (default 1).
const KEY_WEIGHTS: &[(&str, u64)] = &[
    ("01.01", 3),
    ("03.01", 2),
    ("03.02", 2),
    ("04.01", 3),
    ("05.01", 2),
    ("06", 2),
    ("07.01", 2),
    ("07.02", 2),
    ("08", 2),
];

/// What an enterprise making a category calls its trade, and its GB/T 4754 industry code. The
/// profile of a category is the entry with the longest code prefix.
struct Trade {
    category: &'static str,
    words: &'static [&'static str],
    industry: &'static str,
}

const TRADES: &[Trade] = &[
    Trade { category: "01", words: &["化工"], industry: "C2619" },
    Trade { category: "01.01", words: &["化工", "化学", "精细化工"], industry: "C2614" },
    Trade { category: "01.01.01", words: &["气体", "工业气体"], industry: "C2619" },
    Trade { category: "01.01.02", words: &["氯碱", "化工"], industry: "C2612" },
    Trade { category: "01.02", words: &["包装", "包装容器", "塑业"], industry: "C2926" },
    Trade { category: "01.03", words: &["专用汽车", "罐车", "汽车改装"], industry: "C3630" },
    Trade { category: "01.04", words: &["涂料", "油漆"], industry: "C2641" },
    Trade { category: "01.05", words: &["石化", "石油", "能源"], industry: "C2511" },
    Trade { category: "02", words: &["农资", "肥业"], industry: "C2624" },
    Trade { category: "03", words: &["建材"], industry: "C3099" },
    Trade { category: "03.01", words: &["钢铁", "钢业", "金属制品"], industry: "C3130" },
    Trade { category: "03.02", words: &["水泥", "建材"], industry: "C3011" },
    Trade { category: "03.03", words: &["防水材料", "建材"], industry: "C3034" },
    Trade { category: "03.04", words: &["木业", "板业"], industry: "C2029" },
    Trade { category: "03.05", words: &["木业", "地板"], industry: "C2034" },
    Trade { category: "03.06", words: &["卫浴", "洁具", "水暖器材"], industry: "C3072" },
    Trade { category: "03.07", words: &["混凝土制品", "桥梁构件"], industry: "C3022" },
    Trade { category: "04", words: &["电气"], industry: "C3829" },
    Trade { category: "04.01", words: &["电缆", "线缆", "电线电缆"], industry: "C3831" },
    Trade { category: "04.02", words: &["电器", "电气"], industry: "C3823" },
    Trade { category: "04.03", words: &["防爆电气", "防爆电器"], industry: "C3829" },
    Trade { category: "04.04", words: &["电机", "机电"], industry: "C3812" },
    Trade { category: "04.05", words: &["照明", "光电", "灯饰"], industry: "C3871" },
    Trade { category: "04.06", words: &["金融设备", "电子"], industry: "C3475" },
    Trade { category: "04.07", words: &["广电设备", "通信设备"], industry: "C3931" },
    Trade { category: "05", words: &["日用品"], industry: "C2439" },
    Trade { category: "05.01", words: &["燃气具", "厨具", "燃具"], industry: "C3862" },
    Trade { category: "05.01.04", words: &["管业", "橡塑"], industry: "C2919" },
    Trade { category: "05.01.05", words: &["阀门", "燃气设备"], industry: "C3443" },
    Trade { category: "05.02", words: &["电器", "家电"], industry: "C3859" },
    Trade { category: "05.03", words: &["家具", "家居"], industry: "C2110" },
    Trade { category: "05.04", words: &["服饰", "服装", "制衣"], industry: "C1810" },
    Trade { category: "05.05", words: &["玩具", "童车"], industry: "C2452" },
    Trade { category: "06", words: &["消防器材", "消防设备", "消防科技"], industry: "C3599" },
    Trade { category: "06.05", words: &["防火门", "门业"], industry: "C3312" },
    Trade { category: "07", words: &["电动车"], industry: "C3770" },
    Trade { category: "07.01", words: &["电动车", "车业"], industry: "C3770" },
    Trade { category: "07.02", words: &["电源", "电池", "新能源"], industry: "C3841" },
    Trade { category: "07.02.01", words: &["电源", "电子"], industry: "C3824" },
    Trade { category: "08", words: &["烟花", "花炮", "鞭炮"], industry: "C2672" },
    Trade { category: "09", words: &["塑料制品", "包装", "日用品"], industry: "C2927" },
];

const FALLBACK_TRADE: Trade = Trade { category: "", words: &["实业"], industry: "C4190" };

fn trade_of(category: &str) -> &'static Trade {
    TRADES
        .iter()
        .filter(|t| category == t.category || category.strip_prefix(t.category).is_some_and(|r| r.starts_with('.')))
        .max_by_key(|t| t.category.len())
        .unwrap_or(&FALLBACK_TRADE)
}

/// Industry code of distributors (其他未列明批发业) and of online-only sellers (互联网零售).
const WHOLESALE: &str = "F5199";
const ONLINE_RETAIL: &str = "F5292";

// ---------------------------------------------------------------------------------------------
// The province, prepared once per run.

#[derive(Debug, Clone)]
struct County {
    code: &'static str,
    name: &'static str,
    /// The prefecture-level city's name, if the county has a real one.
    city: Option<&'static str>,
    /// The short name companies put in front (`南昌`, `瑞金`).
    short: String,
    city_short: Option<String>,
    /// Micro-degrees (latitude, longitude), for Jiangxi.
    centre: Option<(i64, i64)>,
    area_code: Option<&'static str>,
}

/// Drops an administrative suffix when at least two characters remain.
fn short_name(name: &str) -> String {
    const SUFFIXES: &[&str] = &[
        "维吾尔自治区",
        "壮族自治区",
        "回族自治区",
        "特别行政区",
        "自治区",
        "自治州",
        "自治县",
        "地区",
        "林区",
        "新区",
        "省",
        "市",
        "区",
        "县",
        "旗",
        "盟",
    ];
    for s in SUFFIXES {
        if let Some(rest) = name.strip_suffix(s)
            && rest.chars().count() >= 2
        {
            return rest.to_string();
        }
    }
    name.to_string()
}

fn clamp(v: i64, (lo, hi): (i64, i64)) -> i64 {
    v.clamp(lo, hi)
}

/// A deterministic offset in `-radius..=radius` from a hash.
fn offset(h: u64, radius: i64) -> i64 {
    (h % (2 * radius as u64 + 1)) as i64 - radius
}

/// Everything drawn from, prepared once; `enterprise(i)` then draws enterprise `i`.
#[derive(Debug, Clone)]
struct Generator {
    seed: u64,
    count: usize,
    province: &'static Region,
    province_short: String,
    counties: Vec<County>,
    /// Cumulative county weights.
    county_weights: Vec<u64>,
    /// Key-product categories with the leaves below each (empty for a leaf).
    key: Vec<(&'static str, Vec<&'static str>)>,
    key_weights: Vec<u64>,
    /// Leaf categories outside every key-product subtree.
    other: Vec<&'static str>,
    surnames: Vec<char>,
    given: Vec<char>,
    trade: Vec<char>,
}

fn distinct_chars(s: &str) -> Vec<char> {
    let mut out: Vec<char> = Vec::new();
    for c in s.chars() {
        if !out.contains(&c) {
            out.push(c);
        }
    }
    out
}

fn cumulative(weights: impl IntoIterator<Item = u64>) -> Vec<u64> {
    weights
        .into_iter()
        .scan(0u64, |sum, w| {
            *sum += w;
            Some(*sum)
        })
        .collect()
}

/// Checks the options: errors name the flag.
fn province_of(opts: &GenerateOptions) -> Result<&'static Region> {
    let mut errors = ValidationErrors::new();
    let province = match RegionCode::parse(opts.province.trim()) {
        Ok(code) if code.region().level == RegionLevel::Province => Some(code.region()),
        Ok(code) => {
            errors.add(
                "--province",
                "not_a_province",
                format!("{code} ({}) is not a provincial-level region; give one such as 360000", code.region().name),
            );
            None
        }
        Err(e) => {
            errors.add("--province", "invalid_region", e.to_string());
            None
        }
    };
    if !(1..=MAX_ENTERPRISES).contains(&opts.enterprises) {
        errors.add(
            "--enterprises",
            "out_of_range",
            format!("must be 1 to {MAX_ENTERPRISES}, got {}", opts.enterprises),
        );
    }
    errors.into_result()?;
    province.ok_or_else(|| Error::Internal("province checked above".into()))
}

impl Generator {
    fn new(opts: &GenerateOptions) -> Result<Generator> {
        let province = province_of(opts)?;
        let table = regions();
        let mut counties = Vec::new();
        for code in table.descendants_and_self(province.code) {
            let Some(region) = table.get(code) else { continue };
            let is_unit = match region.level {
                RegionLevel::County => true,
                RegionLevel::Prefecture => table.children(code).is_empty(),
                RegionLevel::Province => false,
            };
            if !is_unit {
                continue;
            }
            let city = table
                .ancestors(code)
                .into_iter()
                .filter_map(|c| table.get(c))
                .find(|r| r.level == RegionLevel::Prefecture && !r.name.ends_with("直辖县级行政区划"))
                .map(|r| r.code)
                .filter(|c| *c != code);
            let jiangxi = city.and_then(|c| JIANGXI_CITIES.iter().find(|(j, ..)| *j == c));
            let h = mix(code.parse::<u64>().unwrap_or(0) ^ 0x636F_756E_7479);
            let district = region.name.ends_with('区');
            let (lat_r, lon_r) = if district { (80_000, 90_000) } else { (380_000, 420_000) };
            let centre = jiangxi.map(|(_, lat, lon, _)| {
                (clamp(lat + offset(h, lat_r), LAT_RANGE), clamp(lon + offset(mix(h), lon_r), LON_RANGE))
            });
            counties.push(County {
                code: region.code,
                name: region.name,
                city: city.and_then(|c| table.get(c)).map(|r| r.name),
                short: short_name(region.name),
                city_short: city.and_then(|c| table.get(c)).map(|r| short_name(r.name)),
                centre,
                area_code: jiangxi.map(|(.., area)| *area),
            });
        }
        if counties.is_empty() {
            return Err(Error::field(
                "--province",
                "no_counties",
                format!("{} ({}) has no county-level regions in GB/T 2260", province.code, province.name),
            ));
        }
        let county_weights = cumulative(counties.iter().map(|c| {
            if c.name.ends_with('区') {
                3
            } else if c.name.ends_with('市') {
                2
            } else {
                1
            }
        }));

        let cat = catalogue();
        let key_codes: Vec<&'static str> = cat.key_products(KEY_PRODUCT_LIST).iter().map(|k| k.category_code).collect();
        let is_leaf = |code: &str| cat.children(Some(code)).is_empty();
        let key: Vec<(&'static str, Vec<&'static str>)> = key_codes
            .iter()
            .map(|&k| (k, cat.descendants_and_self(k).into_iter().filter(|c| *c != k && is_leaf(c)).collect()))
            .collect();
        let key_weights = cumulative(
            key_codes.iter().map(|k| KEY_WEIGHTS.iter().find(|(c, _)| c == k).map(|(_, w)| *w).unwrap_or(1)),
        );
        let other: Vec<&'static str> =
            cat.iter().map(|c| c.code).filter(|c| is_leaf(c) && !key_codes.iter().any(|k| within(c, k))).collect();
        if key.is_empty() || other.is_empty() {
            return Err(Error::Internal(format!("the catalogue lacks the {KEY_PRODUCT_LIST} list or other leaves")));
        }
        Ok(Generator {
            seed: opts.seed,
            count: opts.enterprises,
            province,
            province_short: short_name(province.name),
            counties,
            county_weights,
            key,
            key_weights,
            other,
            surnames: distinct_chars(SURNAMES),
            given: distinct_chars(GIVEN),
            trade: distinct_chars(TRADE),
        })
    }

    fn person(&self, r: &mut Rng) -> String {
        let mut name = String::new();
        name.push(*r.pick(&self.surnames));
        for _ in 0..if r.percent(30) { 1 } else { 2 } {
            name.push(*r.pick(&self.given));
        }
        name
    }

    fn mobile(r: &mut Rng) -> String {
        format!("1{}{}", r.between(3, 9), r.digits(9))
    }

    fn category(&self, r: &mut Rng) -> &'static str {
        if r.percent(70) {
            let (code, leaves) = &self.key[r.by_weight(&self.key_weights)];
            if leaves.is_empty() || r.percent(50) { code } else { r.word(leaves) }
        } else {
            r.word(&self.other)
        }
    }

    /// Enterprise `index` of the run.
    fn enterprise(&self, index: u64) -> EnterpriseInput {
        let mut r = Rng::for_enterprise(self.seed, index);
        let county = &self.counties[r.by_weight(&self.county_weights)];
        let uscc = Uscc::compose("91", county.code, &organisation_body(self.seed, index))
            .map(|u| u.to_string())
            .unwrap_or_default();

        let scale = match r.below(100) {
            0..40 => "micro",
            40..80 => "small",
            80..95 => "medium",
            _ => "large",
        };
        let status = match r.below(100) {
            0..92 => "operating",
            92..97 => "suspended",
            _ => "closed",
        };
        let roles: &[&str] = match r.below(100) {
            0..70 => &["producer"],
            70..80 => &["producer", "distributor"],
            80..85 => &["producer", "online_seller"],
            85..95 => &["distributor"],
            95..98 => &["distributor", "online_seller"],
            _ => &["online_seller"],
        };
        let producer = roles.contains(&"producer");

        let picks = match r.below(100) {
            0..60 => 1,
            60..90 => 2,
            _ => 3,
        };
        let mut categories: Vec<String> = Vec::with_capacity(picks);
        for _ in 0..picks {
            let c = self.category(&mut r);
            if !categories.iter().any(|x| x == c) {
                categories.push(c.to_string());
            }
        }
        let trade = trade_of(categories.first().map(String::as_str).unwrap_or(""));

        // 名称: place + 字号 + trade + form.
        let place = match r.below(100) {
            0..15 => self.province_short.as_str(),
            15..55 => county.city_short.as_deref().unwrap_or(&county.short),
            _ if county.name.ends_with('区') => county.city_short.as_deref().unwrap_or(&county.short),
            _ => county.short.as_str(),
        };
        let first = *r.pick(&self.trade);
        let mut second = *r.pick(&self.trade);
        if second == first {
            second = *r.pick(&self.trade);
        }
        let business = if producer {
            r.word(trade.words).to_string()
        } else if roles == ["online_seller"] {
            "电子商务".to_string()
        } else {
            format!("{}{}", r.word(trade.words), if r.percent(60) { "销售" } else { "贸易" })
        };
        let form = match (scale, producer, r.below(100)) {
            ("large", _, 0..50) | ("medium", _, 0..15) => "股份有限公司",
            ("micro" | "small", true, 0..25) => "厂",
            (_, _, n) if n % 4 == 0 => "有限责任公司",
            _ => "有限公司",
        };
        let name = format!("{place}{first}{second}{business}{form}");

        let legal_representative = self.person(&mut r);
        let id_number = id_number(&mut r, county.code);
        let phone = Self::mobile(&mut r);

        let park = r.percent(40).then(|| format!("{}{}", county.short, r.word(PARK_KINDS)));
        let mut address = String::from(self.province.name);
        if let Some(city) = county.city {
            address.push_str(city);
        }
        address.push_str(county.name);
        match &park {
            Some(p) => address.push_str(p),
            None => {
                address.push_str(r.word(TOWNS));
                // City districts are divided into sub-districts, counties into towns and townships.
                address.push_str(if county.name.ends_with('区') { "街道" } else { r.word(TOWN_KINDS) });
            }
        }
        address.push_str(r.word(ROADS));
        address.push_str(&format!("{}号", r.between(1, 999)));

        let (latitude, longitude) = match county.centre {
            Some((lat, lon)) => {
                let lat = clamp(lat + offset(r.next(), 60_000), LAT_RANGE);
                let lon = clamp(lon + offset(r.next(), 60_000), LON_RANGE);
                (Some(degrees(lat)), Some(degrees(lon)))
            }
            None => (None, None),
        };
        let industry_code = if producer {
            trade.industry
        } else if roles == ["online_seller"] {
            ONLINE_RETAIL
        } else {
            WHOLESALE
        };

        let contacts = (0..if r.percent(70) { 1 } else { 2 })
            .map(|_| ContactInput {
                name: self.person(&mut r),
                position: r.word(POSITIONS).to_string(),
                phone: match county.area_code {
                    Some(area) if r.percent(25) => format!("{area}-8{}", r.digits(7)),
                    _ => Self::mobile(&mut r),
                },
            })
            .collect();

        EnterpriseInput {
            uscc,
            name,
            legal_representative,
            legal_rep_id_number: Some(id_number),
            legal_rep_phone: Some(phone),
            address,
            region_code: county.code.to_string(),
            latitude,
            longitude,
            industry_code: Some(industry_code.to_string()),
            scale: scale.to_string(),
            status: status.to_string(),
            roles: roles.iter().map(|s| s.to_string()).collect(),
            industrial_park: park,
            categories,
            contacts,
            version: None,
        }
    }

    fn iter(self) -> impl Iterator<Item = EnterpriseInput> {
        (0..self.count as u64).map(move |i| self.enterprise(i))
    }

    /// Each enterprise with its certificates as of `as_of`.
    fn records(self, as_of: time::Date) -> impl Iterator<Item = (EnterpriseInput, Vec<GeneratedCertificate>)> {
        (0..self.count as u64).map(move |i| {
            let e = self.enterprise(i);
            let certificates = self.certificates(i, &e, as_of);
            (e, certificates)
        })
    }

    /// The certificates of enterprise `index` as of `as_of`: for a producer, a production
    /// licence per licence-required category and a CCC certificate per CCC-required one —
    /// each missing for about one in twelve, so the ledger's flags have work — and a
    /// quality-management certificate for about a third. Issued up to five years and a month
    /// before `as_of` with five-year (licence, CCC) or three-year (management system)
    /// validity, so expiries spread over the years ahead and some have passed.
    fn certificates(&self, index: u64, e: &EnterpriseInput, as_of: time::Date) -> Vec<GeneratedCertificate> {
        if !e.roles.iter().any(|r| r == "producer") {
            return Vec::new();
        }
        let mut r = Rng::for_enterprise(self.seed ^ CERTIFICATE_STREAM, index);
        let body = e.uscc.get(8..17).unwrap_or("000000000").to_string();
        let mut out = Vec::new();
        let mut issue = |r: &mut Rng, kind: &'static str, number: String, issuer: String, scope: &str, years: i32| {
            let issued = as_of - time::Duration::days(r.between(0, 5 * 365 + 30) as i64);
            let expires = issued.replace_year(issued.year() + years).unwrap_or(issued) - time::Duration::days(1);
            out.push(GeneratedCertificate {
                uscc: e.uscc.clone(),
                number,
                kind,
                issuer_name: issuer,
                scope: scope.to_string(),
                issued_on: iso_date(issued),
                expires_on: iso_date(expires),
                status: if expires < as_of { "expired" } else { "valid" },
            });
        };
        for (i, code) in e.categories.iter().enumerate() {
            let Some(category) = catalogue().get(code) else { continue };
            let unit = code.get(..2).unwrap_or("00");
            if category.licence_required && !r.percent(8) {
                let issuer = format!("{}市场监督管理局", self.province.name);
                issue(&mut r, "production_licence", format!("XK{unit}-{body}-{i:02}"), issuer, code, 5);
            }
            if category.ccc_required && !r.percent(8) {
                let issuer = r.word(CERTIFICATION_BODIES).to_string();
                issue(&mut r, "ccc", format!("CCC{unit}{body}{i:02}"), issuer, code, 5);
            }
        }
        if let Some(main) = e.categories.first()
            && r.percent(33)
        {
            let issuer = r.word(CERTIFICATION_BODIES).to_string();
            issue(&mut r, "quality_management", format!("QMS-{body}"), issuer, main, 3);
        }
        out
    }
}

/// Keeps the certificate stream apart from the enterprise stream of the same index.
const CERTIFICATE_STREAM: u64 = 0x6365_7274_6966_6963;

/// Certification bodies named as issuers of generated CCC and management-system certificates.
const CERTIFICATION_BODIES: &[&str] =
    &["中国质量认证中心", "方圆标志认证集团有限公司", "中国船级社质量认证有限公司", "北京国金衡信认证有限公司"];

fn iso_date(d: time::Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// A generated certificate, in the terms of the certificate import's columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedCertificate {
    pub uscc: String,
    pub number: String,
    /// `touchstone_domain::certificate::KINDS`.
    pub kind: &'static str,
    pub issuer_name: String,
    /// The one category code the certificate covers.
    pub scope: String,
    pub issued_on: String,
    pub expires_on: String,
    /// `valid`, or `expired` when `expires_on` is before the generation date.
    pub status: &'static str,
}

/// Parses the `--as-of` date (`YYYY-MM-DD`) that generated certificates are dated from.
pub fn parse_as_of(s: &str) -> Result<time::Date> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(s.trim(), &fmt)
        .map_err(|_| Error::field("--as-of", "invalid_date", format!("{s:?} is not a date YYYY-MM-DD")))
}

/// Whether category `code` is `ancestor` or lies below it.
fn within(code: &str, ancestor: &str) -> bool {
    code == ancestor || code.strip_prefix(ancestor).is_some_and(|r| r.starts_with('.'))
}

/// Micro-degrees as decimal degrees with six places (positive values only here).
fn degrees(e6: i64) -> String {
    format!("{}.{:06}", e6 / 1_000_000, e6 % 1_000_000)
}

/// An identity number (GB 11643) registered in `region`, born 1950–1995.
fn id_number(r: &mut Rng, region: &str) -> String {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECKS: &[u8; 11] = b"10X98765432";
    let year = r.between(1950, 1995);
    let month = r.between(1, 12);
    let leap = year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400));
    let days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    let day = r.between(1, days);
    let sequence = r.between(1, 999);
    let first17 = format!("{region}{year:04}{month:02}{day:02}{sequence:03}");
    let sum: u32 = first17.bytes().zip(WEIGHTS).map(|(d, w)| u32::from(d - b'0') * w).sum();
    let mut out = first17;
    out.push(char::from(CHECKS[(sum % 11) as usize]));
    out
}

/// Checks the options without generating anything (errors name the flag).
pub fn check(opts: &GenerateOptions) -> Result<()> {
    Generator::new(opts).map(|_| ())
}

/// The enterprises of a run, lazily and deterministically (checks the options first).
pub fn enterprises(opts: &GenerateOptions) -> Result<impl Iterator<Item = EnterpriseInput> + use<>> {
    Ok(Generator::new(opts)?.iter())
}

// ---------------------------------------------------------------------------------------------
// Output A: CSV.

/// The CSV's columns.
pub const CSV_HEADERS: [&str; 18] = [
    "统一社会信用代码",
    "企业名称",
    "法定代表人",
    "法定代表人身份证号",
    "法定代表人电话",
    "地址",
    "行政区划代码",
    "纬度",
    "经度",
    "行业代码",
    "规模",
    "状态",
    "经营类型",
    "所在园区",
    "产品类别",
    "联系人",
    "联系人职务",
    "联系人电话",
];

fn csv_row(e: &EnterpriseInput) -> [String; 18] {
    let contacts = |f: fn(&ContactInput) -> &str| e.contacts.iter().map(f).collect::<Vec<_>>().join("|");
    [
        e.uscc.clone(),
        e.name.clone(),
        e.legal_representative.clone(),
        e.legal_rep_id_number.clone().unwrap_or_default(),
        e.legal_rep_phone.clone().unwrap_or_default(),
        e.address.clone(),
        e.region_code.clone(),
        e.latitude.clone().unwrap_or_default(),
        e.longitude.clone().unwrap_or_default(),
        e.industry_code.clone().unwrap_or_default(),
        e.scale.clone(),
        e.status.clone(),
        e.roles.join("|"),
        e.industrial_park.clone().unwrap_or_default(),
        e.categories.join("|"),
        contacts(|c| c.name.as_str()),
        contacts(|c| c.position.as_str()),
        contacts(|c| c.phone.as_str()),
    ]
}

fn readme(opts: &GenerateOptions, province: &Region, report: CsvReport, as_of: time::Date) -> String {
    format!(
        "Touchstone synthetic province: generated data, not real enterprises.\n\
         \n\
         command:     touchstone generate --province {p} --enterprises {n} --seed {s} --as-of {d} --out <this directory>\n\
         province:    {p} {name}\n\
         enterprises: {rows}\n\
         certificates: {certs}, dated as of {d}\n\
         seed:        {s}\n\
         generator:   touchstone {v}; the same arguments give byte-identical files on every machine.\n\
         \n\
         enterprises.csv: UTF-8 with a byte-order mark, one row per enterprise, columns:\n\
         统一社会信用代码 (GB 32100, valid check characters), 企业名称, 法定代表人, 法定代表人身份证号\n\
         (GB 11643, valid check character), 法定代表人电话, 地址, 行政区划代码 (GB/T 2260 county),\n\
         纬度/经度 (decimal degrees; empty outside Jiangxi), 行业代码 (GB/T 4754), 规模\n\
         (micro|small|medium|large), 状态 (operating|suspended|closed), 经营类型\n\
         (producer|distributor|online_seller, several separated by |), 所在园区, 产品类别 (catalogue\n\
         codes separated by |, the first is the main one), 联系人 / 联系人职务 / 联系人电话 (one to two\n\
         contacts, separated by | in the same order).\n\
         \n\
         certificates.csv: UTF-8 with a byte-order mark, one row per certificate, columns:\n\
         统一社会信用代码 (the holder), 证书编号, 证书类型 (production_licence|ccc|quality_management),\n\
         发证机关, 产品类别 (catalogue code), 发证日期, 有效期至, 证书状态 (valid|expired).\n",
        p = province.code,
        name = province.name,
        n = opts.enterprises,
        s = opts.seed,
        rows = report.enterprises,
        certs = report.certificates,
        d = iso_date(as_of),
        v = env!("CARGO_PKG_VERSION"),
    )
}

/// The certificate CSV's columns (the certificate import's Chinese headers).
pub const CERTIFICATE_CSV_HEADERS: [&str; 8] =
    ["统一社会信用代码", "证书编号", "证书类型", "发证机关", "产品类别", "发证日期", "有效期至", "证书状态"];

fn certificate_csv_row(c: &GeneratedCertificate) -> [&str; 8] {
    [&c.uscc, &c.number, c.kind, &c.issuer_name, &c.scope, &c.issued_on, &c.expires_on, c.status]
}

/// What a CSV run wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CsvReport {
    pub enterprises: usize,
    pub certificates: usize,
}

fn csv_writer(path: &Path) -> Result<csv::Writer<std::io::BufWriter<std::fs::File>>> {
    let mut out = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    out.write_all("\u{FEFF}".as_bytes())?;
    Ok(csv::Writer::from_writer(out))
}

fn write_csv_blocking(opts: &GenerateOptions, dir: &Path, as_of: time::Date) -> Result<CsvReport> {
    let generator = Generator::new(opts)?;
    let province = generator.province;
    std::fs::create_dir_all(dir)?;
    let (ent_path, cert_path) = (dir.join("enterprises.csv"), dir.join("certificates.csv"));
    let failed = |e: &dyn std::fmt::Display| Error::Internal(format!("writing {}: {e}", dir.display()));
    let mut enterprises = csv_writer(&ent_path)?;
    let mut certificates = csv_writer(&cert_path)?;
    enterprises.write_record(CSV_HEADERS).map_err(|e| failed(&e))?;
    certificates.write_record(CERTIFICATE_CSV_HEADERS).map_err(|e| failed(&e))?;
    let mut report = CsvReport::default();
    for (e, certs) in generator.records(as_of) {
        enterprises.write_record(csv_row(&e)).map_err(|e| failed(&e))?;
        report.enterprises += 1;
        for c in &certs {
            certificates.write_record(certificate_csv_row(c)).map_err(|e| failed(&e))?;
            report.certificates += 1;
        }
    }
    enterprises.flush()?;
    certificates.flush()?;
    std::fs::write(dir.join("README.txt"), readme(opts, province, report, as_of))?;
    Ok(report)
}

/// Writes `dir/enterprises.csv`, `dir/certificates.csv` (dated from `as_of`) and
/// `dir/README.txt`, streamed: never the whole set in memory.
pub async fn write_csv(opts: &GenerateOptions, dir: &Path, as_of: time::Date) -> Result<CsvReport> {
    let (opts, dir): (GenerateOptions, PathBuf) = (opts.clone(), dir.to_path_buf());
    tokio::task::spawn_blocking(move || write_csv_blocking(&opts, &dir, as_of))
        .await
        .map_err(|e| Error::Internal(format!("the CSV writer stopped: {e}")))?
}

// ---------------------------------------------------------------------------------------------
// Output B: the database.

/// The row, contacts and categories `enterprises::create` would store for a generated input
/// (which is already clean: the integration tests push generated inputs through `create`).
fn rows_of(input: &EnterpriseInput, updated_by: &str, now: i64) -> (EnterpriseRow, Vec<ContactRow>, Vec<String>) {
    let id = Uuid::now_v7();
    let coordinates = match (&input.latitude, &input.longitude) {
        (Some(lat), Some(lon)) => Coordinates::parse(lat, lon),
        _ => None,
    };
    let contacts = input
        .contacts
        .iter()
        .enumerate()
        .map(|(i, c)| ContactRow {
            id: Uuid::now_v7(),
            enterprise_id: id,
            name: c.name.clone(),
            position: c.position.clone(),
            phone: c.phone.clone(),
            sort_order: i as i64,
        })
        .collect();
    let mut categories = input.categories.clone();
    categories.sort();
    categories.dedup();
    let row = EnterpriseRow {
        id,
        uscc: input.uscc.clone(),
        name: input.name.clone(),
        legal_representative: input.legal_representative.clone(),
        legal_rep_id_number: input.legal_rep_id_number.clone(),
        legal_rep_phone: input.legal_rep_phone.clone(),
        address: input.address.clone(),
        region_code: input.region_code.clone(),
        latitude_e6: coordinates.map(|c| c.latitude_e6),
        longitude_e6: coordinates.map(|c| c.longitude_e6),
        industry_code: input.industry_code.clone(),
        scale: input.scale.clone(),
        status: input.status.clone(),
        is_producer: input.roles.iter().any(|r| r == "producer"),
        is_distributor: input.roles.iter().any(|r| r == "distributor"),
        is_online_seller: input.roles.iter().any(|r| r == "online_seller"),
        industrial_park: input.industrial_park.clone(),
        version: 1,
        created_at: now,
        updated_at: now,
        updated_by: updated_by.to_string(),
    };
    (row, contacts, categories)
}

/// Inserts one batch of new enterprises and their certificates (each with its first status
/// history entry) in `tx`. The one place rows are written, so a faster path can replace it.
async fn insert_batch(
    tx: &mut touchstone_store::Tx,
    actor: &Actor,
    batch: &[(EnterpriseInput, Vec<GeneratedCertificate>)],
    now: i64,
) -> Result<()> {
    let records: Vec<store::NewEnterprise> =
        batch.iter().map(|(input, _)| rows_of(input, &actor.username, now)).collect();
    touchstone_store::search::begin_bulk(tx).await?;
    store::insert_many(tx, &records).await?;
    touchstone_store::search::end_bulk(tx).await?;
    for ((row, _, _), (_, certificates)) in records.iter().zip(batch) {
        for c in certificates {
            let cert = CertificateRow {
                id: Uuid::now_v7(),
                number: c.number.clone(),
                kind: c.kind.to_string(),
                holder_id: row.id,
                issuer_body_id: None,
                issuer_name: c.issuer_name.clone(),
                region_code: row.region_code.clone(),
                scope: c.scope.clone(),
                scope_text: None,
                issued_on: c.issued_on.clone(),
                expires_on: c.expires_on.clone(),
                status: c.status.to_string(),
                version: 1,
                created_at: now,
                updated_at: now,
                updated_by: actor.username.clone(),
            };
            cert_store::insert(tx, &cert).await?;
            let history =
                crate::certificates::status_change(&cert, None, "registered", cert.issued_on.clone(), actor, now);
            cert_store::insert_history(tx, &history).await?;
        }
    }
    Ok(())
}

/// Loads the generated enterprises, reporting on stderr every `PROGRESS_EVERY` rows.
pub async fn load_into(app: &App, actor: &Actor, opts: &GenerateOptions) -> Result<GenerateReport> {
    load_with_progress(app, actor, opts, |done, report| {
        if done % PROGRESS_EVERY == 0 {
            eprintln!(
                "generate: {done}/{} enterprises ({} new, {} already present)",
                opts.enterprises, report.inserted, report.skipped
            );
        }
    })
    .await
}

/// Loads the generated enterprises into the database in transactions of `BATCH`, skipping
/// credit codes already registered (a second run with the same arguments adds nothing). The
/// run's one audit entry goes in the last transaction; a run that adds nothing changes nothing
/// and writes no entry. `progress(done, report)` is called after every batch.
pub async fn load_with_progress(
    app: &App,
    actor: &Actor,
    opts: &GenerateOptions,
    mut progress: impl FnMut(usize, &GenerateReport) + Send,
) -> Result<GenerateReport> {
    actor.require(Permission::EditEnterprises, "registering enterprises")?;
    let generator = Generator::new(opts)?;
    if let Some(c) = generator.counties.iter().find(|c| !actor.regions.contains(c.code)) {
        return Err(Error::field(
            "--province",
            "outside_jurisdiction",
            format!("{} ({}) is outside your jurisdiction", c.code, c.name),
        ));
    }
    let province = generator.province;
    let now = app.clock.now().as_micros();
    let mut report = GenerateReport::default();
    let mut done = 0;
    let as_of = parse_as_of(&app.clock.now().china_date())?;
    let mut all = generator.records(as_of).peekable();
    loop {
        let batch: Vec<(EnterpriseInput, Vec<GeneratedCertificate>)> = all.by_ref().take(BATCH).collect();
        let last = all.peek().is_none();
        let mut fresh = Vec::with_capacity(batch.len());
        for record in batch {
            done += 1;
            if store::id_by_uscc(&app.db, &record.0.uscc).await?.is_some() {
                report.skipped += 1;
            } else {
                fresh.push(record);
            }
        }
        let audit_now = last && report.inserted + fresh.len() > 0;
        if !fresh.is_empty() || audit_now {
            let mut tx = app.db.begin().await?;
            insert_batch(&mut tx, actor, &fresh, now).await?;
            report.inserted += fresh.len();
            report.certificates += fresh.iter().map(|(_, c)| c.len()).sum::<usize>();
            if audit_now {
                let after = serde_json::json!({
                    "seed": opts.seed,
                    "requested": opts.enterprises,
                    "inserted": report.inserted,
                    "skipped": report.skipped,
                    "certificates": report.certificates,
                    "province": province.code,
                });
                let change = Change::new("enterprise.generate", "enterprise", "bulk").region(province.code, None);
                audit::record(app, &mut tx, actor, change.after(after)).await?;
            }
            tx.commit().await?;
        }
        progress(done, &report);
        if last {
            if report.inserted > 0 {
                touchstone_store::dialect::refresh_statistics(&app.db).await?;
            }
            return Ok(report);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use touchstone_domain::enterprise::{ROLES, SCALES, STATUSES, valid_id_number};

    use super::*;

    fn opts(seed: u64, n: usize) -> GenerateOptions {
        GenerateOptions { province: "360000".into(), enterprises: n, seed }
    }

    fn generate(seed: u64, n: usize) -> Vec<EnterpriseInput> {
        enterprises(&opts(seed, n)).expect("valid options").collect()
    }

    fn fingerprint(e: &EnterpriseInput) -> String {
        format!("{e:?}")
    }

    #[test]
    fn the_same_seed_gives_the_same_enterprises_and_another_seed_others() {
        let a: Vec<String> = generate(42, 100).iter().map(fingerprint).collect();
        let b: Vec<String> = generate(42, 100).iter().map(fingerprint).collect();
        assert_eq!(a, b);
        // The first 100 of a longer run are the same 100: enterprise i depends only on (seed, i).
        let longer: Vec<String> = generate(42, 250).iter().take(100).map(fingerprint).collect();
        assert_eq!(a, longer);
        let c: Vec<String> = generate(43, 100).iter().map(fingerprint).collect();
        assert_eq!(a.iter().zip(&c).filter(|(x, y)| x == y).count(), 0, "another seed shares no enterprise");
    }

    #[test]
    fn the_output_is_pinned_so_a_change_of_tables_or_arithmetic_is_noticed() {
        // If this fails after a deliberate change of the generator, update the expectation and
        // say in the commit that generated data sets change.
        let first = &generate(20220401, 1)[0];
        assert_eq!(
            (first.uscc.as_str(), first.name.as_str(), first.region_code.as_str()),
            ("91360202MUEY4BKB57", "景德镇光和消防科技有限公司", "360202"),
            "{first:?}"
        );
    }

    #[test]
    fn codes_are_valid_unique_and_registered_in_a_county_of_the_province() {
        let table = regions();
        let mut seen = HashSet::new();
        for e in generate(7, 20_000) {
            let code = Uscc::parse(&e.uscc).unwrap_or_else(|err| panic!("{}: {err}", e.uscc));
            let region = table.get(code.region_digits()).expect("region digits name a region");
            assert_eq!(region.level, RegionLevel::County, "{}", e.uscc);
            assert!(table.is_within(region.code, "360000"));
            assert_eq!(code.region_digits(), e.region_code);
            assert!(seen.insert(e.uscc.clone()), "duplicate {}", e.uscc);
        }
    }

    #[test]
    fn organisation_bodies_are_a_permutation() {
        let mut seen = HashSet::new();
        for i in 0..200_000u64 {
            let body = organisation_body(99, i);
            assert_eq!(body.len(), 8);
            assert!(body.bytes().all(|b| CODE_ALPHABET.contains(&b)), "{body}");
            assert!(seen.insert(body), "index {i} repeats a body");
        }
    }

    #[test]
    fn people_phones_addresses_and_coordinates_are_plausible() {
        let table = regions();
        for e in generate(11, 3_000) {
            let id = e.legal_rep_id_number.as_deref().expect("id number");
            assert!(valid_id_number(id), "{id}");
            assert!(id.starts_with(&e.region_code), "{id} registered in {}", e.region_code);
            let year: u32 = id[6..10].parse().expect("year");
            assert!((1950..=1995).contains(&year), "{id}");
            let phone = e.legal_rep_phone.as_deref().expect("phone");
            assert!(phone.len() == 11 && phone.starts_with('1') && (b'3'..=b'9').contains(&phone.as_bytes()[1]));
            assert!((2..=3).contains(&e.legal_representative.chars().count()), "{}", e.legal_representative);
            let county = table.get(&e.region_code).expect("county");
            assert!(e.address.starts_with("江西省") && e.address.contains(county.name) && e.address.ends_with('号'));
            let lat: f64 = e.latitude.as_deref().expect("latitude").parse().expect("number");
            let lon: f64 = e.longitude.as_deref().expect("longitude").parse().expect("number");
            assert!((24.5..=30.1).contains(&lat) && (113.5..=118.5).contains(&lon), "{lat}, {lon}");
            assert!((1..=2).contains(&e.contacts.len()));
            assert!((1..=3).contains(&e.categories.len()));
            assert!(SCALES.contains(&e.scale.as_str()) && STATUSES.contains(&e.status.as_str()));
            assert!(!e.roles.is_empty() && e.roles.iter().all(|r| ROLES.contains(&r.as_str())));
            assert!(e.name.ends_with("公司") || e.name.ends_with('厂'), "{}", e.name);
        }
    }

    #[test]
    fn about_seventy_percent_of_category_picks_are_key_products() {
        let key: Vec<&str> = catalogue().key_products(KEY_PRODUCT_LIST).iter().map(|k| k.category_code).collect();
        let (mut picks, mut keyed) = (0, 0);
        for e in generate(5, 2_000) {
            for c in &e.categories {
                assert!(catalogue().get(c).is_some(), "{c}");
                picks += 1;
                if key.iter().any(|k| within(c, k)) {
                    keyed += 1;
                }
            }
        }
        let share = keyed * 100 / picks;
        assert!((60..=80).contains(&share), "{keyed} of {picks} picks are key products");
    }

    #[test]
    fn scales_statuses_and_regions_follow_their_weights() {
        let all = generate(3, 10_000);
        let share = |f: &dyn Fn(&EnterpriseInput) -> bool| all.iter().filter(|e| f(e)).count() * 100 / all.len();
        assert!((37..=43).contains(&share(&|e| e.scale == "micro")));
        assert!((3..=7).contains(&share(&|e| e.scale == "large")));
        assert!((90..=94).contains(&share(&|e| e.status == "operating")));
        assert!((33..=47).contains(&share(&|e| e.industrial_park.is_some())));
        assert!(share(&|e| e.roles.iter().any(|r| r == "producer")) >= 80);
        let counties: HashSet<&str> = all.iter().map(|e| e.region_code.as_str()).collect();
        assert_eq!(counties.len(), 100, "every Jiangxi county gets enterprises");
        let districts = share(&|e| regions().get(&e.region_code).is_some_and(|r| r.name.ends_with('区')));
        assert!(districts > 40, "districts are denser: {districts}%");
    }

    #[test]
    fn every_category_has_a_trade_and_a_well_formed_industry_code() {
        for c in catalogue().iter() {
            let t = trade_of(c.code);
            assert!(!t.category.is_empty(), "{} has no trade words", c.code);
            assert!(t.industry.len() == 5 && t.industry.starts_with('C'));
        }
        assert_eq!(distinct_chars(SURNAMES).len(), 100);
        assert!(distinct_chars(TRADE).len() >= 180, "{}", distinct_chars(TRADE).len());
    }

    #[test]
    fn bad_options_name_the_flag() {
        let err = |o: GenerateOptions| match enterprises(&o) {
            Err(e) => e.to_string(),
            Ok(_) => panic!("{o:?} accepted"),
        };
        let e = err(GenerateOptions { province: "360100".into(), ..opts(1, 10) });
        assert!(e.contains("--province") && e.contains("南昌市") && e.contains("provincial-level"), "{e}");
        assert!(err(GenerateOptions { province: "36".into(), ..opts(1, 10) }).contains("--province"));
        assert!(err(GenerateOptions { province: "999999".into(), ..opts(1, 10) }).contains("--province"));
        assert!(err(opts(1, 0)).contains("--enterprises"));
        assert!(err(opts(1, MAX_ENTERPRISES + 1)).contains("--enterprises"));
        assert!(err(GenerateOptions { province: "810000".into(), ..opts(1, 10) }).contains("no county-level"));
    }

    #[test]
    fn other_provinces_work_including_municipalities_and_prefectures_without_counties() {
        for (province, prefix) in [("110000", "11"), ("440000", "44"), ("420000", "42")] {
            for e in enterprises(&GenerateOptions { province: province.into(), ..opts(1, 300) }).expect("valid") {
                assert!(e.region_code.starts_with(prefix));
                assert!(Uscc::parse(&e.uscc).is_ok());
                assert!(e.latitude.is_none());
            }
        }
    }

    #[tokio::test]
    async fn the_csv_has_a_bom_chinese_headers_and_a_row_per_enterprise() {
        let dir = tempfile::tempdir().expect("tempdir");
        let as_of = parse_as_of("2026-11-23").expect("date");
        let n = write_csv(&opts(7, 200), dir.path(), as_of).await.expect("written");
        assert_eq!(n.enterprises, 200);
        assert!(n.certificates > 0);
        let text = std::fs::read_to_string(dir.path().join("enterprises.csv")).expect("csv");
        assert!(text.starts_with("\u{FEFF}统一社会信用代码,企业名称,"));
        assert_eq!(text.lines().count(), 201);
        let readme = std::fs::read_to_string(dir.path().join("README.txt")).expect("readme");
        assert!(
            readme.contains("--seed 7")
                && readme.contains("--enterprises 200")
                && readme.contains("--as-of 2026-11-23")
        );
        let again = tempfile::tempdir().expect("tempdir");
        write_csv(&opts(7, 200), again.path(), as_of).await.expect("written");
        assert_eq!(std::fs::read(again.path().join("enterprises.csv")).expect("csv"), text.into_bytes());
    }
}
