//! Realistic example documents, for this crate's tests, the render-time example and page
//! previews. The names, numbers and places are invented.

use crate::model::*;

fn enterprise() -> Enterprise {
    Enterprise {
        name: "赣州市章贡区恒泰电线电缆有限公司".into(),
        credit_code: "91360702MA35X7K21Q".into(),
        address: "江西省赣州市章贡区水西有色冶金基地金岭西路8号".into(),
        legal_representative: "刘建国".into(),
    }
}

fn officers() -> Vec<Officer> {
    vec![
        Officer { name: "王晓明".into(), certificate_number: "36070021003".into() },
        Officer { name: "陈丽华".into(), certificate_number: "36070021017".into() },
    ]
}

fn hazards() -> Vec<HazardItem> {
    vec![
        HazardItem {
            number: "YH-2026-000123".into(),
            description: "成品仓库电线电缆堆放未设置防火间距，消防通道被占用".into(),
            level: "一般隐患".into(),
            legal_basis: "《中华人民共和国消防法》第十六条".into(),
        },
        HazardItem {
            number: "YH-2026-000124".into(),
            description: "出厂检验记录缺少导体电阻项目，部分批次无检验报告".into(),
            level: "重大隐患".into(),
            legal_basis: "《中华人民共和国产品质量法》第十二条".into(),
        },
    ]
}

/// 现场检查笔录 with two officers, an expert, staff present and a checklist.
pub fn inspection_record() -> InspectionRecord {
    InspectionRecord {
        number: "赣市监检〔2026〕12号".into(),
        bureau: "赣州市市场监督管理局".into(),
        enterprise: enterprise(),
        place: "公司生产车间、成品仓库及检验室".into(),
        start: "2026年3月5日 9时30分".into(),
        end: "2026年3月5日 11时20分".into(),
        kind: "专项检查".into(),
        officers: officers(),
        experts: vec![Person { name: "赵志强".into(), role: "江西省产品质量监督检测院 高级工程师".into() }],
        staff_present: vec![
            Person { name: "刘建国".into(), role: "总经理".into() },
            Person { name: "孙梅".into(), role: "质量负责人".into() },
        ],
        advance_notice: "未提前告知".into(),
        checklist: vec![
            ChecklistResult { item: "生产许可证在有效期内".into(), result: "符合".into(), note: String::new() },
            ChecklistResult { item: "原材料进货查验记录完整".into(), result: "符合".into(), note: String::new() },
            ChecklistResult {
                item: "出厂检验项目齐全".into(),
                result: "不符合".into(),
                note: "缺少导体电阻项目".into(),
            },
            ChecklistResult {
                item: "仓储消防安全".into(),
                result: "不符合".into(),
                note: "消防通道被占用".into(),
            },
        ],
        findings: "1. 出厂检验记录缺少导体电阻项目，部分批次无检验报告。\n2. 成品仓库电线电缆堆放未设置防火间距，消防通道被占用。".into(),
        measures: "当场责令清理消防通道；对2026年2月以来未检验的三个批次产品责令暂停出厂。".into(),
        feedback: "已向企业负责人反馈检查发现的问题，企业表示认可并将立即整改。".into(),
        attachments: vec!["现场照片12张".into(), "出厂检验记录复印件3页".into()],
    }
}

/// 责令限期整改通知书 for the two hazards found by [`inspection_record`].
pub fn rectification_order() -> RectificationOrder {
    RectificationOrder {
        number: "赣市监责改〔2026〕7号".into(),
        bureau: "赣州市市场监督管理局".into(),
        enterprise: enterprise(),
        facts: "2026年3月5日，本局执法人员对你单位进行现场检查，发现你单位存在下列安全隐患：".into(),
        hazards: hazards(),
        deadline: "2026年4月5日".into(),
        requirements: "整改期间，你单位应当采取措施防止隐患危害发生；整改完成后，应当将整改报告、整改前后照片、出厂检验记录等材料报送本局，本局将组织复查。".into(),
        rights_notice: "你单位如对本通知不服，可以在收到本通知书之日起六十日内向赣州市人民政府申请行政复议，或者在六个月内依法向人民法院提起行政诉讼。".into(),
        date: "2026年3月6日".into(),
        contact: "王晓明 0797-8123456".into(),
    }
}

/// 整改复查意见书 concluding `conclusion`, reviewed by an officer other than the finders.
pub fn review_opinion(conclusion: ReviewConclusion) -> ReviewOpinion {
    ReviewOpinion {
        number: "赣市监复查〔2026〕3号".into(),
        bureau: "赣州市市场监督管理局".into(),
        enterprise: enterprise(),
        order_number: "赣市监责改〔2026〕7号".into(),
        hazards: hazards(),
        evidence: vec!["整改报告1份".into(), "整改前后对比照片8张".into(), "补充的出厂检验记录".into()],
        findings: "复查人员到现场核实，消防通道已清理，仓库按防火间距重新堆放；出厂检验已补充导体电阻项目。".into(),
        conclusion,
        new_deadline: match conclusion {
            ReviewConclusion::Passed => String::new(),
            ReviewConclusion::Failed => "2026年4月20日".into(),
        },
        reviewers: vec![Officer { name: "李卫东".into(), certificate_number: "36070021045".into() }],
        date: "2026年4月8日".into(),
    }
}

const COUNTIES: &[&str] = &[
    "章贡区",
    "南康区",
    "赣县区",
    "信丰县",
    "大余县",
    "上犹县",
    "崇义县",
    "安远县",
    "龙南市",
    "定南县",
    "全南县",
    "宁都县",
    "于都县",
    "兴国县",
    "会昌县",
    "寻乌县",
    "石城县",
    "瑞金市",
];

/// The weekly campaign statistics table (R-REP-1) with grouped two-row headers and
/// `rows` region rows (the county names repeat with a suffix past the eighteen counties).
pub fn weekly_table(rows: usize) -> Table {
    let header = vec![
        vec![
            HeaderCell::tall("地区", 2),
            HeaderCell::group("企业自查", 2),
            HeaderCell::group("监督检查", 2),
            HeaderCell::group("隐患排查", 5),
            HeaderCell::group("监督抽查", 3),
            HeaderCell::tall("立案数", 2),
            HeaderCell::tall("罚没款（万元）", 2),
        ],
        vec![
            HeaderCell::new("企业数"),
            HeaderCell::new("自查率"),
            HeaderCell::new("检查企业数"),
            HeaderCell::new("覆盖率"),
            HeaderCell::new("一般隐患"),
            HeaderCell::new("重大隐患"),
            HeaderCell::new("已销号"),
            HeaderCell::new("销号率"),
            HeaderCell::new("逾期"),
            HeaderCell::new("批次"),
            HeaderCell::new("不合格"),
            HeaderCell::new("后处理完成"),
        ],
    ];
    let mut totals = [0u64; 9];
    let body: Vec<Vec<Cell>> = (0..rows)
        .map(|i| {
            let n = i as u64;
            let name = match i / COUNTIES.len() {
                0 => COUNTIES[i].to_owned(),
                k => format!("{}（{}）", COUNTIES[i % COUNTIES.len()], k + 1),
            };
            let unqualified = 1 + n % 4;
            let v = [
                120 + n * 7 % 90,
                96 + n * 5 % 20,
                14 + n % 9,
                2 + n % 3,
                10 + n % 6,
                n % 3,
                40 + n % 30,
                unqualified,
                unqualified - n % 2,
            ];
            for (t, x) in totals.iter_mut().zip(v) {
                *t += x;
            }
            row(name, v)
        })
        .collect();
    Table {
        title: "赣州市重点工业产品质量安全隐患排查治理专项行动统计周报".into(),
        subtitles: vec![
            "专项行动：2026年重点工业产品质量安全隐患排查治理".into(),
            "统计范围：赣州市（含18个县市区）　统计周期：2026年第10周（3月2日—3月8日）".into(),
            "数据截至：2026年3月8日 24:00　生成时间：2026年3月9日 08:15".into(),
        ],
        header,
        rows: body,
        totals: Some(row("合计".into(), totals)),
        footnotes: vec![
            "注：1. 自查率＝已自查企业数÷应自查企业数；覆盖率＝检查企业数÷企业数。".into(),
            "2. 销号率＝已销号隐患数÷（一般隐患＋重大隐患）；逾期指超过整改期限未销号的隐患。".into(),
        ],
        column_widths: Vec::new(),
    }
}

fn row(name: String, v: [u64; 9]) -> Vec<Cell> {
    let [firms, inspected_firms, general, major, closed, overdue, batches, unqualified, disposed] = v;
    let pct = |a: u64, b: u64| if b == 0 { "—".to_owned() } else { format!("{:.1}%", a as f64 * 100.0 / b as f64) };
    vec![
        Cell::text(name),
        Cell::number(firms),
        Cell::number(pct(firms * 9 / 10, firms)),
        Cell::number(inspected_firms),
        Cell::number(pct(inspected_firms, firms)),
        Cell::number(general),
        Cell::number(major),
        Cell::number(closed),
        Cell::number(pct(closed, general + major)),
        Cell::number(overdue),
        Cell::number(batches),
        Cell::number(unqualified),
        Cell::number(disposed),
        Cell::number(unqualified.min(disposed)),
        Cell::number(format!("{:.2}", disposed as f64 * 1.35)),
    ]
}
