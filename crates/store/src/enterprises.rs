//! The enterprise ledger: enterprises, their contacts and the categories they make or sell.
//! Every read takes the actor's region scope (and, for an enterprise's own users, its id).

use serde::{Deserialize, Serialize};
use touchstone_domain::jurisdiction::Scope;
use touchstone_domain::search::Query;
use uuid::Uuid;

use crate::bulk::insert_rows;
use crate::list::{Page, PageFrom, WALK_SORT_INDEX_FROM, Window, fetch_planned_page};
use crate::scope::condition;
use crate::search::{Doc, Fields};
use crate::{Arg, Db, StoreError, Tx, args};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct EnterpriseRow {
    pub id: Uuid,
    pub uscc: String,
    pub name: String,
    pub legal_representative: String,
    pub legal_rep_id_number: Option<String>,
    pub legal_rep_phone: Option<String>,
    pub address: String,
    pub region_code: String,
    pub latitude_e6: Option<i64>,
    pub longitude_e6: Option<i64>,
    pub industry_code: Option<String>,
    pub scale: String,
    pub status: String,
    pub is_producer: bool,
    pub is_distributor: bool,
    pub is_online_seller: bool,
    pub industrial_park: Option<String>,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub updated_by: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ContactRow {
    pub id: Uuid,
    pub enterprise_id: Uuid,
    pub name: String,
    pub position: String,
    pub phone: String,
    pub sort_order: i64,
}

#[derive(sqlx::FromRow)]
struct CategoryCode {
    category_code: String,
}

const COLUMNS: &str = "e.id, e.uscc, e.name, e.legal_representative, e.legal_rep_id_number, e.legal_rep_phone, e.address, \
     e.region_code, e.latitude_e6, e.longitude_e6, e.industry_code, e.scale, e.status, e.is_producer, e.is_distributor, \
     e.is_online_seller, e.industrial_park, e.version, e.created_at, e.updated_at, e.updated_by";

/// Who may see an enterprise: regulators by region; an enterprise's own users their own.
#[derive(Debug, Clone)]
pub struct Visibility<'a> {
    pub regions: &'a Scope,
    pub own: Option<Uuid>,
}

/// `(sql, args)` restricting `e` (an enterprises alias) to what `v` may see.
pub(crate) fn visible(v: &Visibility) -> (String, Vec<Arg>) {
    visible_on("e.region_code", v)
}

/// [`visible`] with the enterprise's region written as `region` (see [`list_by_filters`]).
fn visible_on(region: &str, v: &Visibility) -> (String, Vec<Arg>) {
    let (r, mut args) = condition(region, v.regions);
    match v.own {
        Some(id) => {
            args.push(Arg::from(id));
            (format!("(({r}) OR e.id = ?)"), args)
        }
        None => (format!("({r})"), args),
    }
}

pub async fn insert(tx: &mut Tx, e: &EnterpriseRow) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO enterprises (id, uscc, name, legal_representative, legal_rep_id_number, legal_rep_phone, address, region_code, \
         latitude_e6, longitude_e6, industry_code, scale, status, is_producer, is_distributor, is_online_seller, industrial_park, \
         version, created_at, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        args![
            e.id, &e.uscc, &e.name, &e.legal_representative, e.legal_rep_id_number.clone(), e.legal_rep_phone.clone(), &e.address,
            &e.region_code, e.latitude_e6, e.longitude_e6, e.industry_code.clone(), &e.scale, &e.status, e.is_producer,
            e.is_distributor, e.is_online_seller, e.industrial_park.clone(), e.version, e.created_at, e.updated_at, &e.updated_by
        ],
    )
    .await?;
    Ok(())
}

/// Writes every mutable column if the stored version is still `expected_version`.
pub async fn update(tx: &mut Tx, e: &EnterpriseRow, expected_version: i64) -> Result<bool, StoreError> {
    let n = tx
        .execute(
            "UPDATE enterprises SET name = ?, legal_representative = ?, legal_rep_id_number = ?, legal_rep_phone = ?, address = ?, \
             region_code = ?, latitude_e6 = ?, longitude_e6 = ?, industry_code = ?, scale = ?, status = ?, is_producer = ?, \
             is_distributor = ?, is_online_seller = ?, industrial_park = ?, version = ?, updated_at = ?, updated_by = ? \
             WHERE id = ? AND version = ?",
            args![
                &e.name, &e.legal_representative, e.legal_rep_id_number.clone(), e.legal_rep_phone.clone(), &e.address,
                &e.region_code, e.latitude_e6, e.longitude_e6, e.industry_code.clone(), &e.scale, &e.status, e.is_producer,
                e.is_distributor, e.is_online_seller, e.industrial_park.clone(), e.version, e.updated_at, &e.updated_by, e.id,
                expected_version
            ],
        )
        .await?;
    Ok(n == 1)
}

/// Gives an enterprise registered under an archive's placeholder its real credit code, if it
/// is still at `expected_version`; the new version is `e.version`.
pub async fn set_uscc(tx: &mut Tx, e: &EnterpriseRow, expected_version: i64) -> Result<bool, StoreError> {
    let n = tx
        .execute(
            "UPDATE enterprises SET uscc = ?, version = ?, updated_at = ?, updated_by = ? WHERE id = ? AND version = ?",
            args![&e.uscc, e.version, e.updated_at, &e.updated_by, e.id, expected_version],
        )
        .await?;
    Ok(n == 1)
}

pub async fn get(db: &Db, v: &Visibility<'_>, id: Uuid) -> Result<Option<EnterpriseRow>, StoreError> {
    let (cond, mut a) = visible(v);
    let mut args = args![id];
    args.append(&mut a);
    db.fetch_optional(&format!("SELECT {COLUMNS} FROM enterprises e WHERE e.id = ? AND {cond}"), args).await
}

pub async fn get_for_update(tx: &mut Tx, v: &Visibility<'_>, id: Uuid) -> Result<Option<EnterpriseRow>, StoreError> {
    let (cond, mut a) = visible(v);
    let mut args = args![id];
    args.append(&mut a);
    let lock = crate::dialect::for_update(tx.engine());
    tx.fetch_optional(&format!("SELECT {COLUMNS} FROM enterprises e WHERE e.id = ? AND {cond}{lock}"), args).await
}

/// Unscoped: whether a credit code is already registered (anywhere), and by which id.
pub async fn id_by_uscc(db: &Db, uscc: &str) -> Result<Option<Uuid>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct Id {
        id: Uuid,
    }
    Ok(db.fetch_optional_primary::<Id>("SELECT id FROM enterprises WHERE uscc = ?", args![uscc]).await?.map(|i| i.id))
}

#[derive(Debug, Clone, Default)]
pub struct EnterpriseFilter {
    /// Name, credit code (from its start), legal representative, address or product contains
    /// this phrase (`touchstone_domain::search`).
    pub text: Option<String>,
    pub region_code: Option<String>,
    pub status: Option<String>,
    pub scale: Option<String>,
    pub category_code: Option<String>,
    /// `producer`, `distributor` or `online_seller`.
    pub role: Option<String>,
}

pub async fn list(
    db: &Db,
    v: &Visibility<'_>,
    f: &EnterpriseFilter,
    window: &Window,
) -> Result<Page<EnterpriseRow>, StoreError> {
    let Some(query) = f.text.as_deref().map(Query::parse).filter(|q| !q.is_empty()) else {
        return list_by_filters(db, v, f, window).await;
    };
    // Every statement below reads its arguments in this order: the scope's, the text's, the
    // other filters'.
    let (scope, mut args) = visible(v);
    let full_text = crate::search::FullText::new(db.engine());
    args.push(full_text.arg(&query));
    let mut filters = String::new();
    if let Some(r) = &f.region_code {
        let (within, mut a) = crate::scope::subtree("e.region_code", r);
        filters.push_str(&format!(" AND {within}"));
        args.append(&mut a);
    }
    attribute_filters(f, true, &mut filters, &mut args);
    // A search counts with the index's matches driving. Its page, when the matches are many,
    // walks the sort column's index testing each enterprise against the collected matches,
    // instead of sorting them all (a one-character search matches half the province: 35 ms
    // instead of 93 on 103,000 enterprises).
    let (joins, matches) = full_text.join();
    let count_from_where = format!("FROM enterprises e{joins} WHERE {scope} AND {matches}{filters}");
    let walk = walked_index(window.sort);
    let engine = db.engine();
    let page_from_where = |total: i64| match walk {
        Some(index) if total >= WALK_SORT_INDEX_FROM => PageFrom::Rows(format!(
            "FROM enterprises e{} WHERE {scope} AND e.id IN ({}){filters}",
            crate::dialect::indexed_by(engine, index),
            full_text.ids()
        )),
        _ => PageFrom::Rows(format!("FROM enterprises e WHERE {scope} AND {}{filters}", full_text.collected("e.id"))),
    };
    fetch_planned_page(db, COLUMNS, &count_from_where, page_from_where, args, window, "e.id").await
}

/// The list without a search, built as the hazard list is (ADR 0010; migration 0021): the
/// regions as a list of codes, each sought on the filter index for the status and scale asked
/// (the jurisdiction's own range kept out of SQLite's choice of index); with plenty of matches
/// the page walks its sort column's index, which carries the filters, and with few the page's
/// identifiers are chosen before its rows are read.
async fn list_by_filters(
    db: &Db,
    v: &Visibility<'_>,
    f: &EnterpriseFilter,
    window: &Window,
) -> Result<Page<EnterpriseRow>, StoreError> {
    let engine = db.engine();
    let codes = crate::scope::regions_to_list(f.region_code.as_deref(), v.regions, v.own.is_some());
    // A category has a tenth of a province's enterprises at most: across a province they are
    // found from the category (a hundred counties crossed with 9,000 identifiers took 260 ms;
    // the category alone, 20), within a city from its regions, each tested for the category.
    let category_drives = f.category_code.is_some() && codes.as_ref().is_none_or(|c| c.len() > CITY_SIZED);
    let unkeyed = crate::dialect::not_an_index_key(engine, "e.region_code");
    let (mut filters, mut args) = if codes.is_some() || category_drives { visible_on(&unkeyed, v) } else { visible(v) };
    if let Some(codes) = codes {
        let column = if category_drives { unkeyed.as_str() } else { "e.region_code" };
        let (c, mut a) = crate::scope::listed(column, codes);
        filters.push_str(&format!(" AND {c}"));
        args.append(&mut a);
    }
    attribute_filters(f, category_drives, &mut filters, &mut args);
    let walk = walked_index(window.sort);
    let page_from = |total: i64| match walk {
        Some(index) if total >= WALK_SORT_INDEX_FROM => {
            PageFrom::Rows(format!("FROM enterprises e{} WHERE {filters}", crate::dialect::indexed_by(engine, index)))
        }
        _ => PageFrom::KeysFirst { table: "enterprises e", joins: "", filters: filters.clone(), key: "e.id" },
    };
    fetch_planned_page(db, COLUMNS, &format!("FROM enterprises e WHERE {filters}"), page_from, args, window, "e.id")
        .await
}

/// The list's filters other than region and text, appended to `filters` and `args`; the category
/// as the list of its enterprises when `category_lists`, else tested enterprise by enterprise.
fn attribute_filters(f: &EnterpriseFilter, category_lists: bool, filters: &mut String, args: &mut Vec<Arg>) {
    for (col, val) in [("e.status", &f.status), ("e.scale", &f.scale)] {
        if let Some(v) = val {
            filters.push_str(&format!(" AND {col} = ?"));
            args.push(Arg::from(v));
        }
    }
    match f.role.as_deref() {
        Some("producer") => filters.push_str(" AND e.is_producer = TRUE"),
        Some("distributor") => filters.push_str(" AND e.is_distributor = TRUE"),
        Some("online_seller") => filters.push_str(" AND e.is_online_seller = TRUE"),
        _ => {}
    }
    if let Some(c) = &f.category_code {
        filters.push_str(if category_lists {
            " AND e.id IN (SELECT enterprise_id FROM enterprise_categories WHERE category_code = ?)"
        } else {
            " AND EXISTS (SELECT 1 FROM enterprise_categories c WHERE c.enterprise_id = e.id AND c.category_code = ?)"
        });
        args.push(Arg::from(c));
    }
}

/// More region codes than a prefecture-level city has: a list this long covers enough of a
/// province that a category's enterprises are fewer than the regions'.
const CITY_SIZED: usize = 25;

/// The index a page sorted by `sort` walks when matches are plentiful (migration 0021).
fn walked_index(sort: &str) -> Option<&'static str> {
    match sort {
        "e.name" => Some("enterprises_list_name"),
        "e.uscc" => Some("enterprises_list_uscc"),
        "e.region_code" => Some("enterprises_list_region"),
        "e.status" => Some("enterprises_list_status"),
        "e.updated_at" => Some("enterprises_list_updated"),
        _ => None,
    }
}

pub async fn contacts(db: &Db, enterprise_id: Uuid) -> Result<Vec<ContactRow>, StoreError> {
    db.fetch_all(
        "SELECT id, enterprise_id, name, position, phone, sort_order FROM enterprise_contacts WHERE enterprise_id = ? ORDER BY sort_order",
        args![enterprise_id],
    )
    .await
}

pub async fn replace_contacts(tx: &mut Tx, enterprise_id: Uuid, contacts: &[ContactRow]) -> Result<(), StoreError> {
    tx.execute("DELETE FROM enterprise_contacts WHERE enterprise_id = ?", args![enterprise_id]).await?;
    for c in contacts {
        tx.execute(
            "INSERT INTO enterprise_contacts (id, enterprise_id, name, position, phone, sort_order) VALUES (?, ?, ?, ?, ?, ?)",
            args![c.id, enterprise_id, &c.name, &c.position, &c.phone, c.sort_order],
        )
        .await?;
    }
    Ok(())
}

pub async fn categories(db: &Db, enterprise_id: Uuid) -> Result<Vec<String>, StoreError> {
    let rows: Vec<CategoryCode> = db
        .fetch_all(
            "SELECT category_code FROM enterprise_categories WHERE enterprise_id = ? ORDER BY category_code",
            args![enterprise_id],
        )
        .await?;
    Ok(rows.into_iter().map(|r| r.category_code).collect())
}

/// Replaces the enterprise's categories and re-indexes it for search. Every write of an
/// enterprise's searchable fields (registration, edit, import, generation) ends here, so the
/// index is refreshed in the same transaction.
pub async fn replace_categories(tx: &mut Tx, enterprise_id: Uuid, codes: &[String]) -> Result<(), StoreError> {
    tx.execute("DELETE FROM enterprise_categories WHERE enterprise_id = ?", args![enterprise_id]).await?;
    for c in codes {
        tx.execute(
            "INSERT INTO enterprise_categories (enterprise_id, category_code) VALUES (?, ?)",
            args![enterprise_id, c],
        )
        .await?;
    }
    crate::search::refresh(tx, &[enterprise_id]).await
}

/// A new enterprise with its contacts and category codes, as a bulk write takes it.
pub type NewEnterprise = (EnterpriseRow, Vec<ContactRow>, Vec<String>);

/// Registers new enterprises with their contacts and categories in multi-row statements: the
/// bulk path of imports and generation. Their search rows wait for the bulk load's end
/// ([`crate::search::begin_bulk`] first, [`crate::search::end_bulk`] after). A credit code
/// already registered fails the statement (a unique violation) and so the transaction.
pub async fn insert_many(tx: &mut Tx, records: &[NewEnterprise]) -> Result<(), StoreError> {
    let docs = records.iter().map(|(e, _, codes)| search_doc(e, codes)).collect();
    insert_many_indexed(tx, records, docs).await
}

/// [`insert_many`] with the records' search rows made already, one per record in their order.
pub async fn insert_many_indexed(tx: &mut Tx, records: &[NewEnterprise], docs: Vec<Doc>) -> Result<(), StoreError> {
    const ENTERPRISE: [&str; 21] = [
        "id",
        "uscc",
        "name",
        "legal_representative",
        "legal_rep_id_number",
        "legal_rep_phone",
        "address",
        "region_code",
        "latitude_e6",
        "longitude_e6",
        "industry_code",
        "scale",
        "status",
        "is_producer",
        "is_distributor",
        "is_online_seller",
        "industrial_park",
        "version",
        "created_at",
        "updated_at",
        "updated_by",
    ];
    const CONTACT: [&str; 6] = ["id", "enterprise_id", "name", "position", "phone", "sort_order"];
    const CATEGORY: [&str; 2] = ["enterprise_id", "category_code"];
    let rows: Vec<Vec<Arg>> = records
        .iter()
        .map(|(e, _, _)| {
            args![
                e.id,
                &e.uscc,
                &e.name,
                &e.legal_representative,
                e.legal_rep_id_number.clone(),
                e.legal_rep_phone.clone(),
                &e.address,
                &e.region_code,
                e.latitude_e6,
                e.longitude_e6,
                e.industry_code.clone(),
                &e.scale,
                &e.status,
                e.is_producer,
                e.is_distributor,
                e.is_online_seller,
                e.industrial_park.clone(),
                e.version,
                e.created_at,
                e.updated_at,
                &e.updated_by
            ]
        })
        .collect();
    insert_rows(tx, "enterprises", &ENTERPRISE, rows).await?;
    let contacts: Vec<Vec<Arg>> = records
        .iter()
        .flat_map(|(e, contacts, _)| {
            contacts.iter().map(move |c| args![c.id, e.id, &c.name, &c.position, &c.phone, c.sort_order])
        })
        .collect();
    insert_rows(tx, "enterprise_contacts", &CONTACT, contacts).await?;
    let categories: Vec<Vec<Arg>> =
        records.iter().flat_map(|(e, _, codes)| codes.iter().map(move |c| args![e.id, c])).collect();
    insert_rows(tx, "enterprise_categories", &CATEGORY, categories).await?;
    crate::search::insert_deferred(tx, &docs).await
}

/// The search row of a new enterprise, as [`insert_many`] writes it (an import makes it on its
/// reading thread and passes it to [`insert_many_indexed`]).
pub fn search_doc(e: &EnterpriseRow, categories: &[String]) -> Doc {
    let fields = Fields {
        uscc: &e.uscc,
        name: &e.name,
        person: &e.legal_representative,
        address: &e.address,
        park: e.industrial_park.as_deref(),
    };
    Doc::of(e.id, &fields, categories, &[])
}

/// How many of `ids` (distinct) are registered, as `tx` sees them: a bulk load writing
/// references to enterprises it found before its transaction checks they are still there
/// (`Db::begin_bulk`).
pub async fn count_registered(tx: &mut Tx, ids: &[Uuid]) -> Result<usize, StoreError> {
    let mut registered = 0;
    for chunk in ids.chunks(500) {
        let marks = vec!["?"; chunk.len()].join(", ");
        let args: Vec<Arg> = chunk.iter().map(|id| Arg::from(*id)).collect();
        let c: crate::list::Count =
            tx.fetch_one(&format!("SELECT COUNT(*) AS n FROM enterprises WHERE id IN ({marks})"), args).await?;
        registered += c.n as usize;
    }
    Ok(registered)
}

/// Unscoped: the registered enterprises among `codes` (imports decide insert or update).
pub async fn by_usccs(db: &Db, codes: &[String]) -> Result<Vec<EnterpriseRow>, StoreError> {
    let mut out = Vec::with_capacity(codes.len());
    for chunk in codes.chunks(500) {
        let marks = vec!["?"; chunk.len()].join(", ");
        let args: Vec<Arg> = chunk.iter().map(Arg::from).collect();
        out.extend(
            db.fetch_all::<EnterpriseRow>(
                &format!("SELECT {COLUMNS} FROM enterprises e WHERE e.uscc IN ({marks})"),
                args,
            )
            .await?,
        );
    }
    Ok(out)
}
