use accord_domain::*;
use serde_json::json;

use crate::test_seed::*;
use crate::*;

fn query(at: &str) -> ReportQuery {
    ReportQuery {
        from: None,
        to: None,
        party: None,
        at: d(at),
        as_of: None,
    }
}

#[test]
fn the_report_on_the_eve_of_the_signing_has_one_agreement_and_no_closed_review() {
    let models = replay(&story());
    let report = models.report(&query("2013-07-03"));
    assert_eq!(
        report.totals,
        ReportTotals {
            agreements: 1,
            active_agreements: 1,
            exchanges: 4,
            reviews_closed: 0
        }
    );
    assert_eq!(report.agreements[0].agreement_id, BILATERAL);
    assert!(report.agreements[0].outcomes.is_empty());
}

#[test]
fn the_report_after_the_signing_has_both_agreements_and_the_closed_review() {
    let models = replay(&story());
    let report = models.report(&query("2013-07-05"));
    assert_eq!(
        report.totals,
        ReportTotals {
            agreements: 2,
            active_agreements: 1,
            exchanges: 4,
            reviews_closed: 1
        }
    );
    let bilateral = &report.agreements[0];
    assert_eq!(bilateral.status, AgreementStatus::Superseded);
    assert_eq!(bilateral.outcomes.get(&Rating::Met), Some(&1));
    assert_eq!(bilateral.by_area.len(), 4);
    assert_eq!(report.agreements[1].agreement_id, TRIPARTITE);
    assert_eq!(
        report.agreements[1].exchanges, 0,
        "its exchange occurs in 2014"
    );
    let rows: Vec<_> = report
        .parties
        .iter()
        .map(|r| (r.party_id.as_str(), r.agreements, r.exchanges))
        .collect();
    assert_eq!(
        rows,
        [
            ("binh-phuoc-eza", 1, 0),
            ("dong-nai-iza", 2, 4),
            ("lam-dong-iza", 2, 3)
        ]
    );
}

#[test]
fn the_report_keeps_to_its_window() {
    let mut events = story();
    events.push(Event::ExchangeRetracted(ExchangeRetracted {
        agreement_id: BILATERAL,
        exchange_id: x(3),
        reason: "Ghi trùng".into(),
    }));
    let models = replay(&events);
    let report = models.report(&ReportQuery {
        from: Some(d("2009-01-01")),
        to: Some(d("2014-12-31")),
        ..query("2020-01-01")
    });
    // x2, x4 and x5 count; x1 is before the window and x3 is retracted.
    assert_eq!(report.totals.exchanges, 3);
    assert_eq!(report.totals.active_agreements, 0, "both ended by 2020");
    let late = models.report(&ReportQuery {
        from: Some(d("2014-01-01")),
        ..query("2020-01-01")
    });
    assert_eq!(late.agreements.len(), 1, "the bilateral term ended in 2013");
    assert_eq!(late.totals.exchanges, 1);
}

#[test]
fn the_report_filtered_by_party_keeps_its_agreements_and_its_row_only() {
    let models = replay(&story());
    let report = models.report(&ReportQuery {
        party: Some(p("binh-phuoc-eza")),
        ..query("2014-12-31")
    });
    assert_eq!(report.agreements.len(), 1);
    assert_eq!(report.agreements[0].agreement_id, TRIPARTITE);
    assert_eq!(report.totals.exchanges, 1);
    assert_eq!(report.parties.len(), 1);
    assert_eq!(
        (report.parties[0].agreements, report.parties[0].exchanges),
        (1, 1)
    );
}

#[test]
fn the_report_echoes_its_window_date_and_knowledge_instant() {
    let models = replay(&story());
    let as_of = Some("2026-01-15T08:00:00Z".to_owned());
    let report = models.report(&ReportQuery {
        as_of: as_of.clone(),
        ..query("2013-07-05")
    });
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["from"], json!(null));
    assert_eq!(json["to"], "2013-07-05");
    assert_eq!(json["at"], "2013-07-05");
    assert_eq!(json["as_of"], "2026-01-15T08:00:00Z");
    assert_eq!(json["agreements"][0]["outcomes"], json!({"met": 1}));
    assert_eq!(json["agreements"][0]["by_area"]["investment_promotion"], 1);
    let plain = serde_json::to_value(models.report(&query("2013-07-05"))).unwrap();
    assert_eq!(plain["as_of"], json!(null));
}

#[test]
fn the_csv_quotes_commas_and_quotes_and_keeps_vietnamese_text() {
    let mut events = story();
    events.push(Event::AgreementAmended(AgreementAmended {
        document: None,
        agreement_id: TRIPARTITE,
        effective_on: d("2013-07-04"),
        reason: "Sửa tên".into(),
        title: Some("Chương trình \"Hợp tác vùng\", Đồng Nai – Lâm Đồng – Bình Phước".into()),
        term: None,
        areas: None,
        responsibilities: None,
    }));
    let models = replay(&events);
    let csv = report_csv(&models.report(&query("2013-07-05")));
    let lines: Vec<&str> = csv.split_terminator('\n').collect();
    assert!(csv.ends_with('\n') && !csv.contains('\r'));
    assert_eq!(lines[0], CSV_HEADER);
    assert_eq!(lines.len(), 3);
    assert_eq!(
        lines[1],
        format!(
            "{BILATERAL},Chương trình hợp tác giữa Ban quản lý các KCN Đồng Nai và Lâm Đồng giai đoạn 2007–2013,superseded,dong-nai-iza;lam-dong-iza,4,1,1,0,0,\
             experience_exchange=1;investment_promotion=1;labour_recruitment=1;state_management_information=1,\
             0,0,0,0,0,0"
        )
    );
    assert_eq!(
        lines[2],
        format!(
            "{TRIPARTITE},\"Chương trình \"\"Hợp tác vùng\"\", Đồng Nai – Lâm Đồng – Bình Phước\",active,\
             binh-phuoc-eza;dong-nai-iza;lam-dong-iza,0,0,0,0,0,,0,0,0,0,0,0"
        )
    );
}
