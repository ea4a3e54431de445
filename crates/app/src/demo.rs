//! The Jiangxi demo (issue 3): a bureau for the province, each of its 11 cities and every
//! county, with Jiangxi's real exceptions to code nesting — 瑞金市 and 共青城市 report
//! directly to the province (省直管县), and 赣江新区 is an administrator-defined area over
//! 永修县 and 共青城市 — and one account per regulator-side role at several levels.
//! `seed_enterprises` adds a generated ledger of 3,000 Jiangxi enterprises (issue 4).
//! Idempotent: a second run finds everything in place and changes nothing.

use serde::Serialize;
use touchstone_domain::region::{RegionLevel, regions};
use touchstone_domain::role::Role;
use touchstone_store::organisations::{self as orgs, OrganisationRow};
use touchstone_store::users as user_store;
use uuid::Uuid;

use crate::generate::{self, GenerateOptions, GenerateReport};
use crate::generate_campaign::Draw;
use crate::organisations::{self, OrganisationInput};
use crate::users::{self, NewUser};
use crate::{Actor, App, Error, Result};

pub const PROVINCE: &str = "360000";
pub const DEMO_PASSWORD: &str = "Touchstone#2026";
/// County-level cities Jiangxi administers directly from the province (省直管县试点).
pub const DIRECTLY_ADMINISTERED: &[&str] = &["360781", "360482"];
/// 赣江新区: an area the province defines over parts of two cities.
pub const GANJIANG_NEW_AREA: &[&str] = &["360425", "360482"];
/// The demo's generated enterprises: how many, and the fixed seed (every demo has the same ledger).
pub const DEMO_ENTERPRISES: usize = 3_000;
pub const DEMO_SEED: u64 = 20220401;

fn bureau_code(region: &str) -> String {
    format!("JX-{region}")
}

/// One demo account, as printed.
#[derive(Debug, Clone, Serialize)]
pub struct DemoAccount {
    pub username: String,
    pub role: String,
    pub bureau: String,
    pub password: String,
    /// The TOTP secret of accounts that need a second factor (add it to an authenticator).
    pub totp_secret: Option<String>,
}

#[allow(clippy::too_many_arguments)]
async fn ensure_bureau(
    app: &App,
    system: &Actor,
    code: String,
    name: String,
    name_en: String,
    region: &str,
    parent: Option<Uuid>,
    jurisdiction: &[&str],
) -> Result<OrganisationRow> {
    if let Some(o) = orgs::find_by_code(&app.db, &code).await? {
        return Ok(o);
    }
    let input = OrganisationInput {
        code,
        name,
        name_en,
        region_code: region.to_string(),
        parent_id: parent,
        jurisdiction: jurisdiction.iter().map(|s| s.to_string()).collect(),
    };
    Ok(organisations::create(app, system, input).await?.organisation)
}

/// Creates whatever of the demo is missing and returns the accounts.
pub async fn seed(app: &App, system: &Actor) -> Result<Vec<DemoAccount>> {
    let table = regions();
    let province_region = table.get(PROVINCE).ok_or_else(|| Error::Internal("region table lacks Jiangxi".into()))?;
    let province = ensure_bureau(
        app,
        system,
        bureau_code(PROVINCE),
        format!("{}市场监督管理局", province_region.name),
        format!("{} Administration for Market Regulation", province_region.name_en),
        PROVINCE,
        None,
        &[],
    )
    .await?;
    for city_code in table.children(PROVINCE) {
        let Some(city) = table.get(city_code).filter(|c| c.level == RegionLevel::Prefecture) else { continue };
        let city_bureau = ensure_bureau(
            app,
            system,
            bureau_code(city.code),
            format!("{}市场监督管理局", city.name),
            format!("{} Administration for Market Regulation", city.name_en),
            city.code,
            Some(province.id),
            &[],
        )
        .await?;
        for county_code in table.children(city.code) {
            let Some(county) = table.get(county_code) else { continue };
            let parent = if DIRECTLY_ADMINISTERED.contains(county_code) { province.id } else { city_bureau.id };
            ensure_bureau(
                app,
                system,
                bureau_code(county.code),
                format!("{}{}市场监督管理局", city.name, county.name),
                format!("{} Administration for Market Regulation, {}", county.name_en, city.name_en),
                county.code,
                Some(parent),
                &[],
            )
            .await?;
        }
    }
    let new_area = ensure_bureau(
        app,
        system,
        "JX-GJXQ".into(),
        "赣江新区市场监督管理局".into(),
        "Ganjiang New Area Administration for Market Regulation".into(),
        PROVINCE,
        Some(province.id),
        GANJIANG_NEW_AREA,
    )
    .await?;

    // (user name, display name, role, bureau region, department, officer id)
    type Planned<'a> = (&'a str, &'a str, Role, &'a str, Option<&'a str>, Option<&'a str>);
    let plan: &[Planned] = &[
        ("admin", "省局管理员 王强", Role::Administrator, PROVINCE, None, None),
        ("jx.officer", "省局质量监督处 李敏", Role::Officer, PROVINCE, Some("quality_supervision"), None),
        ("nc.admin", "南昌市局管理员 陈刚", Role::Administrator, "360100", None, None),
        ("nc.officer", "南昌市局许可监督科 刘芳", Role::Officer, "360100", Some("licence_supervision"), None),
        ("nc.legal", "南昌市局法制科 周洁", Role::LegalReviewer, "360100", None, None),
        ("ncx.admin", "南昌县局管理员 吴涛", Role::Administrator, "360121", None, None),
        ("ncx.officer", "南昌县局质量监督股 郑丽", Role::Officer, "360121", Some("quality_supervision"), None),
        ("ncx.inspector", "南昌县局执法人员 孙伟", Role::Inspector, "360121", Some("enforcement"), Some("36012100017")),
        ("xj.officer", "新建区局质量监督股 何静", Role::Officer, "360112", Some("quality_supervision"), None),
        ("ruijin.admin", "瑞金市局管理员 钟华", Role::Administrator, "360781", None, None),
        ("ruijin.officer", "瑞金市局质量监督股 谢婷", Role::Officer, "360781", Some("quality_supervision"), None),
        ("gjxq.officer", "赣江新区局 黄磊", Role::Officer, "GJXQ", Some("quality_supervision"), None),
    ];
    let mut accounts = Vec::new();
    for (username, display, role, region, department, officer_number) in plan {
        let org = if *region == "GJXQ" {
            new_area.clone()
        } else {
            orgs::find_by_code(&app.db, &bureau_code(region))
                .await?
                .ok_or_else(|| Error::Internal(format!("no bureau for {region}")))?
        };
        let user = match user_store::find_by_username(&app.db, username).await? {
            Some(u) => u,
            None => {
                let input = NewUser {
                    username: username.to_string(),
                    display_name: display.to_string(),
                    role: role.code().into(),
                    organisation_id: Some(org.id),
                    department: department.map(String::from),
                    officer_number: officer_number.map(String::from),
                    password: DEMO_PASSWORD.into(),
                    ..NewUser::default()
                };
                let created = users::create(app, system, input).await?;
                if role.requires_second_factor() {
                    enrol_demo_second_factor(app, created.id).await?;
                }
                user_store::find(&app.db, created.id).await?.ok_or(Error::NotFound)?
            }
        };
        accounts.push(DemoAccount {
            username: user.username,
            role: user.role,
            bureau: org.name,
            password: DEMO_PASSWORD.into(),
            totp_secret: user.totp_secret.filter(|_| user.totp_enabled),
        });
    }
    Ok(accounts)
}

/// Loads the demo's generated enterprises for Jiangxi; a second run finds them all and adds
/// nothing. Separate from `seed`, which the test harness runs for every test on an empty ledger.
pub async fn seed_enterprises(app: &App, system: &Actor) -> Result<GenerateReport> {
    let opts = GenerateOptions { province: PROVINCE.into(), enterprises: DEMO_ENTERPRISES, seed: DEMO_SEED };
    generate::load_into(app, system, &opts).await
}

/// The demo's campaign: the Jiangxi template for this year (its stages on this year's dates),
/// with generated activity up to today — lagging counties, overdue hazards. A second run finds
/// it and adds nothing.
pub async fn seed_campaign(app: &App, system: &Actor) -> Result<touchstone_store::campaigns::CampaignRow> {
    let year = app.clock.now().china_date()[..4].parse::<i32>().map_err(|e| Error::Internal(e.to_string()))?;
    if let Some(c) = touchstone_store::campaigns::find_by_template(&app.db, DEMO_TEMPLATE, PROVINCE, year).await? {
        return Ok(c);
    }
    Ok(launch_with_activity(app, system, DEMO_TEMPLATE, PROVINCE, Some(year), Draw::new(DEMO_SEED)).await?.0)
}

/// The template the demo launches.
pub const DEMO_TEMPLATE: &str = "jiangxi-2022";

/// Launches `template` for `region` in `year` (this year by default) and generates its
/// activity up to today (or the campaign's end, if earlier).
pub async fn launch_with_activity(
    app: &App,
    actor: &Actor,
    template: &str,
    region: &str,
    year: Option<i32>,
    draw: crate::generate_campaign::Draw,
) -> Result<(touchstone_store::campaigns::CampaignRow, crate::generate_campaign::ActivityReport)> {
    let today = touchstone_domain::time::parse_date(&app.clock.now().china_date())
        .ok_or_else(|| Error::Internal("today is not a date".into()))?;
    let input = crate::campaigns::FromTemplate {
        template: template.into(),
        year: year.unwrap_or(today.year()),
        region_code: Some(region.into()),
    };
    let campaign = crate::campaigns::from_template(app, actor, input).await?.campaign;
    let opts = crate::generate_campaign::CampaignActivity { campaign_id: campaign.id, draw, as_of: today };
    let report = crate::generate_campaign::load(app, actor, &opts).await?;
    Ok((campaign, report))
}

/// Demo administrators get their second factor set up, so the printed secret works at once.
async fn enrol_demo_second_factor(app: &App, user_id: Uuid) -> Result<()> {
    let e = crate::auth::begin_enrolment(app, user_id).await?;
    // A code one step back, so the first real sign-in (current step) is not a replay.
    let code = crate::auth::current_code(&e.secret, app.clock.now().as_seconds() - 30)
        .ok_or_else(|| Error::Internal("could not compute a TOTP code".into()))?;
    crate::auth::confirm_enrolment(app, user_id, &code, None, Default::default()).await?;
    Ok(())
}
