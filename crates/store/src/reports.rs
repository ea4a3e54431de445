//! The campaign statistics table's queries (R-REP-1, R-HAZ-3; METHODS.md §2) and the weekly
//! reports bureaus submit. Each figure's predicate is written once, as a SQL fragment, and
//! used both by the set-based counts (one query for the enterprise figures and one for the
//! hazard figures, grouped by region code — never a query per region or per record) and by
//! the drill-down lists of the records a figure counts.
//!
//! Every query takes a [`Cut`]: the period's dates and the instant the records are taken as
//! known at (`as_of`), so a past report regenerated later gives the same numbers. Unscoped:
//! the caller has checked that the region lies in the actor's jurisdiction.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use touchstone_domain::catalogue::catalogue;
use touchstone_domain::region::regions;
use touchstone_domain::report::{self as figures, Counts, Period};
use uuid::Uuid;

use crate::campaigns::CampaignRow;
use crate::hazards::{counts_as_known, deadline_as_of, of_campaign, status_as_of};
use crate::scope::subtree;
use crate::{Arg, Db, Engine, StoreError, Tx, args, dialect};

/// What a report is computed for: a campaign, a period and the instant of knowledge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cut {
    pub campaign_id: Uuid,
    /// The campaign's start (the first day of a cumulative period, and of "to date" figures).
    pub campaign_start: String,
    /// The period `[from, to]`, `YYYY-MM-DD`.
    pub from: String,
    pub to: String,
    /// D = `to` + 1: "as of `to`" is the state at the start of D in the bureau's zone.
    pub cutoff: String,
    /// The instant D starts.
    pub cutoff_at: i64,
    /// Records and steps recorded before this instant count (`as_of` + 1 µs).
    pub known_before: i64,
}

impl Cut {
    /// The cut of `period` of `campaign` as known at `as_of` (µs, inclusive).
    pub fn new(campaign: &CampaignRow, period: &Period, as_of: i64) -> Result<Cut, StoreError> {
        let start = touchstone_domain::time::parse_date(&campaign.starts_on)
            .ok_or_else(|| StoreError::Data(format!("campaign {} has a bad start date", campaign.id)))?;
        let cutoff = period.cutoff().to_string();
        let cutoff_at = touchstone_domain::time::Timestamp::parse_china_date(&cutoff)
            .ok_or_else(|| StoreError::Data(format!("no instant for {cutoff}")))?
            .as_micros();
        Ok(Cut {
            campaign_id: campaign.id,
            campaign_start: start.to_string(),
            from: period.from(start).to_string(),
            to: period.to().to_string(),
            cutoff,
            cutoff_at,
            known_before: as_of.saturating_add(1),
        })
    }

    /// The instant a record's state is rebuilt at: the cut-off, or earlier when known earlier.
    fn state_at(&self) -> i64 {
        self.cutoff_at.min(self.known_before)
    }
}

/// A SQL fragment and its arguments, in text order.
#[derive(Debug, Clone, Default)]
struct Frag {
    sql: String,
    args: Vec<Arg>,
}

impl Frag {
    fn new(sql: impl Into<String>, args: Vec<Arg>) -> Frag {
        Frag { sql: sql.into(), args }
    }
    fn of((sql, args): (String, Vec<Arg>)) -> Frag {
        Frag { sql, args }
    }
    fn text(mut self, s: &str) -> Frag {
        self.sql.push_str(s);
        self
    }
    fn then(mut self, other: Frag) -> Frag {
        self.sql.push_str(&other.sql);
        self.args.extend(other.args);
        self
    }
}

// ---------------------------------------------------------------------------------------------
// Target enterprises (METHODS §2, first row)
// ---------------------------------------------------------------------------------------------

/// The key products in force under a region for a campaign, each expanded to its category
/// subtree: the campaign's own list with the additions of the region and the regions above
/// it (`base`), and the further additions of regions below it, each for its own subtree.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyProducts {
    pub base: Vec<String>,
    pub below: Vec<(String, Vec<String>)>,
}

#[derive(sqlx::FromRow)]
struct ListItem {
    region_code: String,
    extends_list: Option<String>,
    category_code: Option<String>,
}

fn expand(codes: impl IntoIterator<Item = String>) -> Vec<String> {
    let cat = catalogue();
    let mut out: Vec<String> = codes
        .into_iter()
        .flat_map(|c| cat.descendants_and_self(&c).into_iter().map(String::from).collect::<Vec<_>>())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The key products in force in `region_code` and below it for `campaign`: its list, plus the
/// key-product lists (R-CAT-2) the regions defined for the campaign's year — the lists'
/// items added before `known_before`, and the shipped list each extends.
pub async fn key_products(
    db: &Db,
    campaign: &CampaignRow,
    region_code: &str,
    known_before: i64,
) -> Result<KeyProducts, StoreError> {
    let year: i64 = campaign.starts_on.get(..4).and_then(|y| y.parse().ok()).unwrap_or_default();
    let above: Vec<&str> = regions().ancestors(region_code);
    let (sub, sub_args) = subtree("l.region_code", region_code);
    let mut args = args![known_before, year, known_before];
    args.extend(sub_args);
    let mut sql = format!(
        "SELECT l.region_code, l.extends_list, i.category_code FROM key_product_lists l \
         LEFT JOIN key_product_list_items i ON i.list_id = l.id AND i.added_at < ? \
         WHERE l.year = ? AND l.created_at < ? AND ({sub}"
    );
    if !above.is_empty() {
        sql.push_str(&format!(" OR l.region_code IN ({})", vec!["?"; above.len()].join(", ")));
        args.extend(above.iter().map(|c| Arg::from(*c)));
    }
    sql.push(')');
    let items: Vec<ListItem> = db.fetch_all(&sql, args).await?;
    let cat = catalogue();
    let mut by_region: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for i in items {
        let codes = by_region.entry(i.region_code).or_default();
        if let Some(list) = i.extends_list {
            codes.extend(cat.key_products(&list).into_iter().map(|k| k.category_code.to_string()));
        }
        codes.extend(i.category_code);
    }
    let mut base: Vec<String> = campaign.key_products.split_whitespace().map(String::from).collect();
    let mut below = Vec::new();
    for (region, codes) in by_region {
        if region == region_code || above.contains(&region.as_str()) {
            base.extend(codes);
        } else {
            below.push((region, codes));
        }
    }
    let base = expand(base);
    let below = below
        .into_iter()
        .map(|(r, codes)| (r, expand(codes).into_iter().filter(|c| base.binary_search(c).is_err()).collect::<Vec<_>>()))
        .filter(|(_, codes)| !codes.is_empty())
        .collect();
    Ok(KeyProducts { base, below })
}

fn marks(n: usize) -> String {
    vec!["?"; n].join(", ")
}

/// Enterprise `e` makes a product in a key-product category in force for its region.
fn makes_key_product(k: &KeyProducts) -> Frag {
    let mut parts: Vec<Frag> = Vec::new();
    if !k.base.is_empty() {
        parts.push(Frag::new(
            format!("ec.category_code IN ({})", marks(k.base.len())),
            k.base.iter().map(Arg::from).collect(),
        ));
    }
    for (region, codes) in &k.below {
        let (sub, sub_args) = subtree("e.region_code", region);
        let mut a = sub_args;
        a.extend(codes.iter().map(Arg::from));
        parts.push(Frag::new(format!("({sub} AND ec.category_code IN ({}))", marks(codes.len())), a));
    }
    if parts.is_empty() {
        return Frag::new("1=0", vec![]);
    }
    let mut out =
        Frag::new("EXISTS (SELECT 1 FROM enterprise_categories ec WHERE ec.enterprise_id = e.id AND (", vec![]);
    for (i, p) in parts.into_iter().enumerate() {
        if i > 0 {
            out = out.text(" OR ");
        }
        out = out.then(p);
    }
    out.text("))")
}

/// The operating status enterprise `e` had at instant `at` (R-ENT-4): its current status when
/// it has not changed since, or never changed at all (version 1: a ledger loaded in bulk
/// and not edited since needs no history read); otherwise the status before its first recorded change at or after
/// `at` — in the audit chain (edits) or the bulk-import changes — or, with no such change
/// recorded, its current status.
fn enterprise_status_at(engine: Engine, at: i64) -> Frag {
    let audit_status = dialect::json_text(engine, "a.before_json", "status");
    let import_status = dialect::json_text(engine, "c.before_json", "status");
    let id_text = dialect::uuid_text(engine, "e.id");
    Frag::new(
        format!(
            "(CASE WHEN e.updated_at < ? OR e.version = 1 THEN e.status ELSE COALESCE((SELECT x.s FROM (\
             SELECT a.at AS at, a.seq AS ord, {audit_status} AS s FROM audit_entries a \
             WHERE a.entity_type = 'enterprise' AND a.entity_id = {id_text} AND a.at >= ? \
             UNION ALL SELECT c.at AS at, 0 AS ord, {import_status} AS s FROM enterprise_changes c \
             WHERE c.enterprise_id = e.id AND c.at >= ?) x WHERE x.s IS NOT NULL ORDER BY x.at, x.ord LIMIT 1), e.status) END)"
        ),
        args![at, at, at],
    )
}

/// Enterprise `e` is a target enterprise of the cut in `region_code`'s subtree (METHODS §2):
/// a producer there, recorded before `known_before`, operating as of `to`, making a key
/// product in force for its region.
fn target(engine: Engine, cut: &Cut, k: &KeyProducts, region: &Frag) -> Frag {
    Frag::new("e.is_producer = ? AND ", args![true])
        .then(region.clone())
        .then(Frag::new(" AND e.created_at < ? AND ", args![cut.known_before]))
        .then(enterprise_status_at(engine, cut.state_at()))
        .text(" = 'operating' AND ")
        .then(makes_key_product(k))
}

/// `region_code`'s subtree, or exactly it (`direct`: a region line's records of the region
/// itself), on `column`.
fn region_filter(column: &str, region_code: &str, direct: bool) -> Frag {
    if direct { Frag::new(format!("{column} = ?"), args![region_code]) } else { Frag::of(subtree(column, region_code)) }
}

/// Ids of the target enterprises of `campaign` in `region_code` (and below) as of the end of
/// the date `on` (`YYYY-MM-DD`), as known at `as_of` (µs): producers operating then, making a
/// product in a category of the campaign's key products or under one, with each region's list
/// in force (METHODS §2). The one place this rule lives — the weekly report counts it, and a
/// full-coverage inspection plan can list it. Unscoped; by id.
pub async fn target_enterprises(
    db: &Db,
    campaign: &CampaignRow,
    region_code: &str,
    on: &str,
    as_of: i64,
) -> Result<Vec<Uuid>, StoreError> {
    let (cut, k) = target_cut(db, campaign, region_code, on, as_of).await?;
    let region = region_filter("e.region_code", region_code, false);
    let w = target(db.engine(), &cut, &k, &region);
    let rows: Vec<IdRow> =
        db.fetch_all(&format!("SELECT e.id AS id FROM enterprises e WHERE {} ORDER BY e.id", w.sql), w.args).await?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// How many [`target_enterprises`] there are.
pub async fn count_target_enterprises(
    db: &Db,
    campaign: &CampaignRow,
    region_code: &str,
    on: &str,
    as_of: i64,
) -> Result<i64, StoreError> {
    let (cut, k) = target_cut(db, campaign, region_code, on, as_of).await?;
    let region = region_filter("e.region_code", region_code, false);
    let w = target(db.engine(), &cut, &k, &region);
    let n: Option<N> =
        db.fetch_optional(&format!("SELECT COUNT(*) AS n FROM enterprises e WHERE {}", w.sql), w.args).await?;
    Ok(n.map(|n| n.n).unwrap_or(0))
}

async fn target_cut(
    db: &Db,
    campaign: &CampaignRow,
    region_code: &str,
    on: &str,
    as_of: i64,
) -> Result<(Cut, KeyProducts), StoreError> {
    let to =
        touchstone_domain::time::parse_date(on).ok_or_else(|| StoreError::Data(format!("{on:?} is not a date")))?;
    let cut = Cut::new(campaign, &Period::Cumulative { to }, as_of)?;
    let k = key_products(db, campaign, region_code, cut.known_before).await?;
    Ok((cut, k))
}

#[derive(sqlx::FromRow)]
struct IdRow {
    id: Uuid,
}

#[derive(sqlx::FromRow)]
struct N {
    n: i64,
}

// ---------------------------------------------------------------------------------------------
// The figures' predicates
// ---------------------------------------------------------------------------------------------

/// Enterprise `e` has a self-inspection for the campaign submitted within `[from, to]`
/// (recorded as submitted before `known_before`).
fn self_inspected(cut: &Cut, from: &str) -> Frag {
    Frag::new(
        "EXISTS (SELECT 1 FROM self_inspections s WHERE s.enterprise_id = e.id AND s.campaign_id = ? \
         AND s.status = 'submitted' AND s.submitted_on >= ? AND s.submitted_on <= ? AND s.submitted_at < ?)",
        args![cut.campaign_id, from, &cut.to, cut.known_before],
    )
}

/// Enterprise `e` has an on-site inspection for the campaign carried out within `[from, to]`:
/// a completed record (an archived one too) whose inspection date (`inspected_on`) falls
/// there, completed — or, for an archived record, imported — before `known_before`.
fn inspected(cut: &Cut, from: &str) -> Frag {
    Frag::new(
        "EXISTS (SELECT 1 FROM inspections i WHERE i.enterprise_id = e.id AND i.campaign_id = ? \
         AND i.status = 'completed' AND i.inspected_on >= ? AND i.inspected_on <= ? \
         AND COALESCE(i.completed_at, i.created_at) < ?)",
        args![cut.campaign_id, from, &cut.to, cut.known_before],
    )
}

/// The condition on a target enterprise for an enterprise figure; `None` for other figures.
fn enterprise_condition(code: &str, cut: &Cut) -> Option<Frag> {
    Some(match code {
        figures::TARGET_ENTERPRISES => Frag::new("1=1", vec![]),
        figures::SELF_INSPECTED => self_inspected(cut, &cut.from),
        figures::INSPECTED => inspected(cut, &cut.from),
        figures::INSPECTED_TO_DATE => inspected(cut, &cut.campaign_start),
        _ => return None,
    })
}

const ENTERPRISE_FIGURES: [&str; 4] =
    [figures::TARGET_ENTERPRISES, figures::SELF_INSPECTED, figures::INSPECTED, figures::INSPECTED_TO_DATE];
const HAZARD_FIGURES: [&str; 7] = [
    figures::HAZARDS_GENERAL,
    figures::HAZARDS_MAJOR,
    figures::HAZARDS_CLOSED,
    figures::HAZARDS_TO_DATE,
    figures::CLOSED_TO_DATE,
    figures::OVERDUE,
    figures::OPEN_AT_CUTOFF,
];

/// The hazards a hazard figure draws from: the campaign's hazards in the region found up to
/// `to`, recorded and not voided as known, as the derived table `x` (`id`, `region_code`,
/// `level`, `found_on`, `closed_on`, `status` and `state_changed_at` now, and what the deadline rule
/// reads). Their state as of `to` is not a column: a figure asks only what it needs
/// ([`closed_at_cutoff`], and [`status_as_of`] for the few overdue candidates), so a province's
/// million hazards are not each looked up in their history.
fn hazard_source(cut: &Cut, region: &Frag) -> Frag {
    Frag::new(
        "(SELECT h.id, h.number, h.enterprise_id, h.region_code, h.level, h.found_on, h.closed_on, h.status, \
         h.state_changed_at, h.deadline, h.original_deadline, h.description FROM hazards h WHERE ",
        vec![],
    )
    .then(Frag::of(of_campaign("h", cut.campaign_id)))
    .text(" AND ")
    .then(region.clone())
    .then(Frag::new(" AND h.found_on < ? AND ", args![&cut.cutoff]))
    .then(Frag::of(counts_as_known("h", cut.known_before)))
    .text(") x")
}

/// The status of hazard `x` as of the cut ([`status_as_of`], the rule's one place).
fn status_of(cut: &Cut) -> Frag {
    Frag::of(status_as_of("x", &cut.cutoff, cut.cutoff_at, cut.known_before))
}

/// Hazard `x` was closed (销号) as of the start of D, as known before `known_before`: what
/// `status_of(cut) = 'closed'` says, read cheaply — closing is final and takes effect on
/// `closed_on`, so a hazard whose state has not changed since `known_before` was closed at D
/// exactly when it is closed now with `closed_on` before D; only one changed since has its
/// history read. Every
/// hazard of [`hazard_source`] that was not closed at D was open, rectifying or waiting for
/// review then: one voided by then is not counted at all.
fn closed_at_cutoff(cut: &Cut) -> Frag {
    Frag::new(
        "COALESCE(CASE WHEN x.state_changed_at < ? THEN (x.status = 'closed' AND x.closed_on < ?) ELSE ",
        args![cut.known_before, &cut.cutoff],
    )
    .then(status_of(cut))
    .text(" = 'closed' END, FALSE)")
}

/// The condition on a row of [`hazard_source`] for a hazard figure; `None` for other figures.
fn hazard_condition(code: &str, cut: &Cut) -> Option<Frag> {
    Some(match code {
        figures::HAZARDS_GENERAL => Frag::new("(x.found_on >= ? AND x.level = 'general')", args![&cut.from]),
        figures::HAZARDS_MAJOR => Frag::new("(x.found_on >= ? AND x.level = 'major')", args![&cut.from]),
        // The closing's date is `closed_on`; the status as of `to` says it fell before D.
        figures::HAZARDS_CLOSED => Frag::new("(", vec![])
            .then(closed_at_cutoff(cut))
            .then(Frag::new(" AND x.closed_on >= ?)", args![&cut.from])),
        figures::HAZARDS_TO_DATE => Frag::new("1=1", vec![]),
        figures::CLOSED_TO_DATE => closed_at_cutoff(cut),
        // METHODS §3: open or rectifying after the deadline in force; evidence waiting for
        // review is not overdue. Extensions only move a deadline later, so a hazard whose first
        // deadline is not before `to` is not overdue, and its history is not read.
        figures::OVERDUE => Frag::new("(NOT ", vec![])
            .then(closed_at_cutoff(cut))
            .then(Frag::new(" AND x.original_deadline < ? AND ", args![&cut.to]))
            .then(status_of(cut))
            .text(" IN ('open', 'rectifying') AND ")
            .then(Frag::of(deadline_as_of("x", &cut.cutoff, cut.cutoff_at, cut.known_before)))
            .then(Frag::new(" < ?)", args![&cut.to])),
        figures::OPEN_AT_CUTOFF => Frag::new("NOT ", vec![]).then(closed_at_cutoff(cut)),
        _ => return None,
    })
}

// ---------------------------------------------------------------------------------------------
// The table
// ---------------------------------------------------------------------------------------------

#[derive(sqlx::FromRow)]
struct EnterpriseTally {
    region_code: String,
    target_enterprises: i64,
    self_inspected: i64,
    inspected: i64,
    inspected_to_date: i64,
}

#[derive(sqlx::FromRow)]
struct HazardTally {
    region_code: String,
    hazards_general: i64,
    hazards_major: i64,
    hazards_closed: i64,
    hazards_to_date: i64,
    closed_to_date: i64,
    overdue: i64,
    open_at_cutoff: i64,
}

fn sums(codes: &[&str], condition: impl Fn(&str) -> Option<Frag>) -> Frag {
    let mut out = Frag::default();
    for code in codes {
        let Some(c) = condition(code) else { continue };
        out = out.text(", CAST(SUM(CASE WHEN ").then(c).text(&format!(" THEN 1 ELSE 0 END) AS BIGINT) AS {code}"));
    }
    out
}

/// How many parts of a report are counted at once: SQLite's read pool holds four connections.
const PARTS_AT_ONCE: usize = 4;

/// The two counts of a part: the enterprise figures, and the hazard figures (the larger).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Tally {
    Enterprises,
    Hazards,
}

/// Every count figure of the cut in `region_code`'s subtree, by the region code the records
/// carry (the enterprise's for enterprise figures, the hazard's for hazard figures). The
/// subtree is counted in parts — the region's own records, and each region directly under it
/// — each part two queries (never a query per record), a few at once, the largest first (by
/// the regions a part covers), so that a province's two million hazards are read on every
/// core and no large part is left to run alone at the end. Regions with nothing to count are
/// absent.
pub async fn counts_by_region(
    db: &Db,
    campaign: &CampaignRow,
    cut: &Cut,
    region_code: &str,
) -> Result<BTreeMap<String, Counts>, StoreError> {
    use futures::{StreamExt, TryStreamExt};
    let k = key_products(db, campaign, region_code, cut.known_before).await?;
    let all = regions();
    let children = all.children(region_code);
    let parts: Vec<(&str, bool)> = if children.is_empty() {
        vec![(region_code, false)]
    } else {
        std::iter::once((region_code, true)).chain(children.iter().map(|c| (*c, false))).collect()
    };
    let mut tasks: Vec<(usize, Tally, &str, bool)> = parts
        .into_iter()
        .flat_map(|(code, direct)| {
            let size = if direct { 1 } else { all.descendants_and_self(code).len() };
            [(size, Tally::Hazards, code, direct), (size, Tally::Enterprises, code, direct)]
        })
        .collect();
    tasks.sort_by_key(|t| std::cmp::Reverse((t.0, t.1)));
    // The futures are made first: a stream mapping a closure over them would not be `Send`.
    let counting: Vec<_> =
        tasks.into_iter().map(|(_, tally, code, direct)| count_part(db, cut, &k, code, direct, tally)).collect();
    let tallies: Vec<Vec<(String, Counts)>> =
        futures::stream::iter(counting).buffer_unordered(PARTS_AT_ONCE).try_collect().await?;
    let mut out: BTreeMap<String, Counts> = BTreeMap::new();
    for (code, counts) in tallies.into_iter().flatten() {
        out.entry(code).or_default().extend(counts);
    }
    Ok(out)
}

/// One count of one part of a report — the enterprise or the hazard figures of
/// `region_code`'s subtree, or only of the region itself (`direct`) — by the records' region
/// code.
async fn count_part(
    db: &Db,
    cut: &Cut,
    k: &KeyProducts,
    region_code: &str,
    direct: bool,
    tally: Tally,
) -> Result<Vec<(String, Counts)>, StoreError> {
    let mut out: BTreeMap<String, Counts> = BTreeMap::new();
    match tally {
        Tally::Enterprises => {
            let region = region_filter("e.region_code", region_code, direct);
            let q = Frag::new("SELECT e.region_code", vec![])
                .then(sums(&ENTERPRISE_FIGURES, |c| enterprise_condition(c, cut)))
                .text(" FROM enterprises e WHERE ")
                .then(target(db.engine(), cut, k, &region))
                .text(" GROUP BY e.region_code");
            for t in db.fetch_all::<EnterpriseTally>(&q.sql, q.args).await? {
                let row = out.entry(t.region_code).or_default();
                let counts = [t.target_enterprises, t.self_inspected, t.inspected, t.inspected_to_date];
                for (code, n) in ENTERPRISE_FIGURES.iter().zip(counts) {
                    row.insert(code.to_string(), n);
                }
            }
        }
        Tally::Hazards => {
            let region = region_filter("h.region_code", region_code, direct);
            let q = Frag::new("SELECT x.region_code", vec![])
                .then(sums(&HAZARD_FIGURES, |c| hazard_condition(c, cut)))
                .text(" FROM ")
                .then(hazard_source(cut, &region))
                .text(" GROUP BY x.region_code");
            for t in db.fetch_all::<HazardTally>(&q.sql, q.args).await? {
                let row = out.entry(t.region_code).or_default();
                for (code, n) in HAZARD_FIGURES.iter().zip([
                    t.hazards_general,
                    t.hazards_major,
                    t.hazards_closed,
                    t.hazards_to_date,
                    t.closed_to_date,
                    t.overdue,
                    t.open_at_cutoff,
                ]) {
                    row.insert(code.to_string(), n);
                }
            }
        }
    }
    Ok(out.into_iter().collect())
}

// ---------------------------------------------------------------------------------------------
// Drill-down: the records a figure counts
// ---------------------------------------------------------------------------------------------

/// One record a figure counts: an enterprise (target, self-inspected, inspected) or a hazard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReportRecord {
    /// `enterprise` or `hazard`.
    pub kind: String,
    pub id: Uuid,
    /// The enterprise's credit code, or the hazard's number.
    pub number: String,
    pub enterprise_id: Uuid,
    pub enterprise_name: String,
    pub region_code: String,
    /// Hazards: level, found date, status and deadline as of `to`, closing date, description.
    pub level: Option<String>,
    pub found_on: Option<String>,
    pub status: Option<String>,
    pub deadline: Option<String>,
    pub closed_on: Option<String>,
    pub description: Option<String>,
}

#[derive(sqlx::FromRow)]
struct EnterpriseRecord {
    id: Uuid,
    uscc: String,
    name: String,
    region_code: String,
}

#[derive(sqlx::FromRow)]
struct HazardRecord {
    id: Uuid,
    number: String,
    enterprise_id: Uuid,
    enterprise_name: String,
    region_code: String,
    level: String,
    found_on: String,
    st: String,
    dl: String,
    closed_on: Option<String>,
    description: String,
}

/// Where a drill-down looks: a region's subtree, or only the region itself (`direct`).
#[derive(Debug, Clone, Copy)]
pub struct Area<'a> {
    pub region_code: &'a str,
    pub direct: bool,
}

/// The records `figure` (a count figure's code) counts for the cut in `area`, ordered by
/// region then number, `limit` from `offset`, and how many there are in all. `report_region`
/// is the region the report is for (its key-product lists apply). `None` for an unknown or
/// percentage figure.
#[allow(clippy::too_many_arguments)]
pub async fn records(
    db: &Db,
    campaign: &CampaignRow,
    cut: &Cut,
    report_region: &str,
    area: Area<'_>,
    figure: &str,
    limit: i64,
    offset: i64,
) -> Result<Option<(i64, Vec<ReportRecord>)>, StoreError> {
    let engine = db.engine();
    if let Some(cond) = enterprise_condition(figure, cut) {
        let k = key_products(db, campaign, report_region, cut.known_before).await?;
        let region = region_filter("e.region_code", area.region_code, area.direct);
        let w = target(engine, cut, &k, &region).text(" AND ").then(cond);
        let n: Option<N> = db
            .fetch_optional(&format!("SELECT COUNT(*) AS n FROM enterprises e WHERE {}", w.sql), w.args.clone())
            .await?;
        let rows: Vec<EnterpriseRecord> = db
            .fetch_all(
                &format!(
                    "SELECT e.id, e.uscc, e.name, e.region_code FROM enterprises e WHERE {} \
                     ORDER BY e.region_code, e.uscc, e.id LIMIT {limit} OFFSET {offset}",
                    w.sql
                ),
                w.args,
            )
            .await?;
        let items = rows
            .into_iter()
            .map(|r| ReportRecord {
                kind: "enterprise".into(),
                id: r.id,
                number: r.uscc,
                enterprise_id: r.id,
                enterprise_name: r.name,
                region_code: r.region_code,
                level: None,
                found_on: None,
                status: None,
                deadline: None,
                closed_on: None,
                description: None,
            })
            .collect();
        return Ok(Some((n.map(|n| n.n).unwrap_or(0), items)));
    }
    let Some(cond) = hazard_condition(figure, cut) else { return Ok(None) };
    let region = region_filter("h.region_code", area.region_code, area.direct);
    let from_where = Frag::new(" FROM ", vec![]).then(hazard_source(cut, &region)).text(" WHERE ").then(cond);
    let n: Option<N> =
        db.fetch_optional(&format!("SELECT COUNT(*) AS n{}", from_where.sql), from_where.args.clone()).await?;
    let status = status_of(cut);
    let deadline = Frag::of(deadline_as_of("x", &cut.cutoff, cut.cutoff_at, cut.known_before));
    let mut args = status.args;
    args.extend(deadline.args);
    args.extend(from_where.args);
    let rows: Vec<HazardRecord> = db
        .fetch_all(
            &format!(
                "SELECT x.id, x.number, x.enterprise_id, e.name AS enterprise_name, x.region_code, x.level, x.found_on, \
                 {} AS st, {} AS dl, x.closed_on, x.description{} AND e.id = x.enterprise_id \
                 ORDER BY x.region_code, x.number, x.id LIMIT {limit} OFFSET {offset}",
                status.sql,
                deadline.sql,
                from_where.sql.replacen(" FROM ", " FROM enterprises e, ", 1)
            ),
            args,
        )
        .await?;
    let items = rows
        .into_iter()
        .map(|r| ReportRecord {
            kind: "hazard".into(),
            id: r.id,
            number: r.number,
            enterprise_id: r.enterprise_id,
            enterprise_name: r.enterprise_name,
            region_code: r.region_code,
            level: Some(r.level),
            found_on: Some(r.found_on),
            status: Some(r.st),
            deadline: Some(r.dl),
            closed_on: r.closed_on,
            description: Some(r.description),
        })
        .collect();
    Ok(Some((n.map(|n| n.n).unwrap_or(0), items)))
}

// ---------------------------------------------------------------------------------------------
// Submitted weekly reports
// ---------------------------------------------------------------------------------------------

/// A weekly report a bureau submitted for its region: the published version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct SubmissionRow {
    pub id: Uuid,
    pub campaign_id: Uuid,
    pub region_code: String,
    /// `2022-W18`.
    pub week: String,
    pub organisation_id: Option<Uuid>,
    pub submitted_by: Option<Uuid>,
    pub submitted_by_name: String,
    pub submitted_at: i64,
    /// The instant its figures were computed as of.
    pub as_of: i64,
    /// The snapshot, JSON.
    pub figures: String,
    /// SHA-256 of `figures`, hex.
    pub sha256: String,
    pub note: Option<String>,
}

const SUBMISSION_COLUMNS: &str = "w.id, w.campaign_id, w.region_code, w.week, w.organisation_id, w.submitted_by, \
     w.submitted_by_name, w.submitted_at, w.as_of, w.figures, w.sha256, w.note";

pub async fn insert_submission(tx: &mut Tx, w: &SubmissionRow) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO weekly_reports (id, campaign_id, region_code, week, organisation_id, submitted_by, submitted_by_name, \
         submitted_at, as_of, figures, sha256, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        args![
            w.id, w.campaign_id, &w.region_code, &w.week, w.organisation_id, w.submitted_by, &w.submitted_by_name,
            w.submitted_at, w.as_of, &w.figures, &w.sha256, w.note.clone()
        ],
    )
    .await?;
    Ok(())
}

/// The submissions of a campaign's week by any of `region_codes` (the caller's regions).
pub async fn submissions(
    db: &Db,
    campaign_id: Uuid,
    week: &str,
    region_codes: &[String],
) -> Result<Vec<SubmissionRow>, StoreError> {
    if region_codes.is_empty() {
        return Ok(Vec::new());
    }
    let mut args = args![campaign_id, week];
    args.extend(region_codes.iter().map(Arg::from));
    db.fetch_all(
        &format!(
            "SELECT {SUBMISSION_COLUMNS} FROM weekly_reports w WHERE w.campaign_id = ? AND w.week = ? \
             AND w.region_code IN ({}) ORDER BY w.region_code",
            marks(region_codes.len())
        ),
        args,
    )
    .await
}

/// Unscoped, for the sweep: the regions that submitted a campaign's week.
pub async fn submitted_regions(db: &Db, campaign_id: Uuid, week: &str) -> Result<Vec<String>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct RegionRow {
        region_code: String,
    }
    let rows: Vec<RegionRow> = db
        .fetch_all(
            "SELECT region_code FROM weekly_reports WHERE campaign_id = ? AND week = ? ORDER BY region_code",
            args![campaign_id, week],
        )
        .await?;
    Ok(rows.into_iter().map(|r| r.region_code).collect())
}

/// Unscoped, for the sweep: active campaigns running during `[from, to]`.
pub async fn running_campaigns(db: &Db, from: &str, to: &str) -> Result<Vec<CampaignRow>, StoreError> {
    db.fetch_all(
        "SELECT c.id, c.number, c.name, c.template, c.organisation_id, c.issuing_authority, c.region_code, \
         c.starts_on, c.ends_on, c.key_products, c.key_objects, c.key_problems, c.targets, c.status, c.version, \
         c.created_at, c.updated_at, c.updated_by FROM campaigns c \
         WHERE c.status = 'active' AND c.starts_on <= ? AND c.ends_on >= ? ORDER BY c.id",
        args![to, from],
    )
    .await
}
