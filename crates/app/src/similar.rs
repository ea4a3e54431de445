//! Similar hazards (R-HAZ-4, seed 003 item 14): while an officer writes a hazard, the most
//! similar past hazards of the officer's own jurisdiction and of the shared sample bank, ranked
//! by `domain::similar`; and promoting a hazard to the bank with the enterprise's details
//! removed, so a known problem is recognised across enterprises and regions.

use serde::{Deserialize, Serialize};
use touchstone_domain::ValidationErrors;
use touchstone_domain::jurisdiction::Scope;
use touchstone_domain::role::Permission;
use touchstone_domain::similar::{Probe, anonymise, score, shingles};
use touchstone_store::enterprises::{self as enterprise_store, Visibility};
use touchstone_store::list::{Page, Window};
use touchstone_store::similar::{self as store, LedgerCandidate, SampleRow};
use uuid::Uuid;

use crate::audit::{self, Change};
use crate::{Actor, App, Error, Result};

/// Suggestions shown from each source.
pub const SHOWN: usize = 5;
/// Token pairs of the probe used to find candidates by wording.
const PROBE_PAIRS: usize = 4;

/// What is being written.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
pub struct SimilarQuery {
    pub description: String,
    #[serde(default)]
    pub category_code: Option<String>,
    #[serde(default)]
    pub product: Option<String>,
    /// The hazard being looked at, left out of its own suggestions.
    #[serde(default)]
    pub hazard_id: Option<Uuid>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Scored<T> {
    /// Wording similarity and category/product bonus, in thousandths (higher is closer).
    pub score: u32,
    #[serde(flatten)]
    pub item: T,
}

/// Suggestions from the jurisdiction's ledger and from the shared bank.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Suggestions {
    pub ledger: Vec<Scored<LedgerCandidate>>,
    pub samples: Vec<Scored<SampleRow>>,
}

/// Promoting a hazard to the bank: the officer may rewrite the text (it is anonymised anyway).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct PromoteInput {
    #[serde(default)]
    pub description: Option<String>,
}

fn ranked<T>(probe: &Probe, items: Vec<T>, of: impl Fn(&T) -> Probe<'_>) -> Vec<Scored<T>> {
    let shingled = shingles(probe.description);
    let mut out: Vec<Scored<T>> = items
        .into_iter()
        .filter_map(|item| score(probe, &shingled, &of(&item)).map(|score| Scored { score, item }))
        .collect();
    out.sort_by_key(|s| std::cmp::Reverse(s.score));
    out.truncate(SHOWN);
    out
}

/// The pairs of the probe the candidates are looked up by: spread over the text.
fn probe_pairs(description: &str) -> Vec<String> {
    let all: Vec<String> = shingles(description).into_iter().filter(|p| p.chars().count() >= 2).collect();
    if all.len() <= PROBE_PAIRS {
        return all;
    }
    (0..PROBE_PAIRS).map(|i| all[i * (all.len() - 1) / (PROBE_PAIRS - 1)].clone()).collect()
}

/// Suggestions for a hazard being written by an officer.
pub async fn suggest(app: &App, actor: &Actor, q: &SimilarQuery) -> Result<Suggestions> {
    actor.require(Permission::ReadEnterprises, "reading hazards")?;
    let description = q.description.trim();
    if description.chars().count() > 2000 {
        return Err(Error::field("description", "too_long", "at most 2000 characters"));
    }
    let category = q.category_code.as_deref().map(str::trim).filter(|c| !c.is_empty());
    let product = q.product.as_deref().map(str::trim).filter(|p| !p.is_empty());
    let probe = Probe { description, category_code: category, product };
    if description.chars().count() < 2 {
        return Ok(Suggestions { ledger: Vec::new(), samples: Vec::new() });
    }
    let pairs = probe_pairs(description);
    let scope = Visibility { regions: &actor.regions, own: None };
    let ledger = store::ledger_candidates(&app.db, &scope, category, &pairs, q.hazard_id).await?;
    let samples = store::sample_candidates(&app.db, category, &pairs).await?;
    Ok(Suggestions {
        ledger: ranked(&probe, ledger, |c| Probe {
            description: &c.description,
            category_code: c.category_code.as_deref(),
            product: c.product.as_deref(),
        }),
        samples: ranked(&probe, samples, |s| Probe {
            description: &s.description,
            category_code: s.category_code.as_deref(),
            product: s.product.as_deref(),
        }),
    })
}

/// Promotes a hazard of the jurisdiction to the shared bank, its enterprise's name, credit
/// code, people and address removed from the text. Once per hazard.
pub async fn promote(app: &App, actor: &Actor, hazard_id: Uuid, input: PromoteInput) -> Result<SampleRow> {
    actor.require(Permission::RecordHazards, "promoting hazards to the sample bank")?;
    let scope = Visibility { regions: &actor.regions, own: None };
    let hazard = touchstone_store::hazards::get(&app.db, &scope, hazard_id).await?.ok_or(Error::NotFound)?;
    if hazard.status == "voided" {
        return Err(Error::field("hazard", "voided", "a voided hazard is not a typical one"));
    }
    if store::sample_of(&app.db, hazard_id).await?.is_some() {
        return Err(Error::Conflict {
            code: "already_promoted",
            message: format!("{} is in the bank already", hazard.number),
        });
    }
    let everything = Visibility { regions: &Scope::Everything, own: None };
    let enterprise = enterprise_store::get(&app.db, &everything, hazard.enterprise_id).await?.ok_or(Error::NotFound)?;
    let text = input.description.as_deref().map(str::trim).filter(|t| !t.is_empty()).unwrap_or(&hazard.description);
    let mut errors = ValidationErrors::new();
    if text.chars().count() > 2000 {
        errors.add("description", "too_long", "at most 2000 characters");
    }
    errors.into_result()?;
    let contacts = enterprise_store::contacts(&app.db, enterprise.id).await?;
    let mut details: Vec<(&str, &str)> = vec![
        (enterprise.name.as_str(), "某企业"),
        (enterprise.uscc.as_str(), "某代码"),
        (enterprise.legal_representative.as_str(), "某人"),
        (enterprise.address.as_str(), "某地"),
        (hazard.responsible_person.as_str(), "某人"),
    ];
    for c in &contacts {
        details.push((c.name.as_str(), "某人"));
        details.push((c.phone.as_str(), "某电话"));
    }
    let sample = SampleRow {
        id: Uuid::now_v7(),
        hazard_id,
        category_code: hazard.category_code.clone(),
        product: hazard.product.clone(),
        level: hazard.level.clone(),
        description: anonymise(text, &details),
        organisation_id: actor.organisation.as_ref().map(|o| o.id),
        promoted_by: actor.display_name.clone(),
        created_at: app.clock.now().as_micros(),
    };
    let mut tx = app.db.begin().await?;
    store::insert_sample(&mut tx, &sample).await?;
    let change = Change::new("hazard.promote", "hazard_sample", sample.id).region(hazard.region_code.clone(), None);
    audit::record(app, &mut tx, actor, change.after(audit::record_fields(&sample))).await?;
    tx.commit().await?;
    Ok(sample)
}

/// The shared bank, for every bureau.
pub async fn samples(
    app: &App,
    actor: &Actor,
    text: Option<&str>,
    category: Option<&str>,
    window: &Window,
) -> Result<Page<SampleRow>> {
    actor.require(Permission::ReadEnterprises, "reading the sample bank")?;
    Ok(store::samples(&app.db, text, category, window).await?)
}
