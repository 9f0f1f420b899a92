//! `serve --demo`: the seed's story (docs/demo.md), loaded through the same
//! write path as any client's commands.
//!
//! Every command has a fixed `command_id`, so loading is idempotent: a second
//! start answers each from the idempotency records and appends nothing, and a
//! load interrupted by a crash completes on the next start. Dates the source
//! does not give are illustrative (docs/demo.md lists which).

use accord_domain::Command;
use accord_engine::{Engine, Outcome, Submission};
use accord_store::{Actor, Role};
use anyhow::{Context, Result};
use serde_json::{json, Value};
use uuid::Uuid;

/// The bilateral Đồng Nai – Lâm Đồng program, 2007–2013.
pub const BILATERAL: &str = "0190f0a0-2007-7000-8000-000000002007";
/// The tripartite program signed on 4 July 2013.
pub const TRIPARTITE: &str = "0190f0a0-2013-7000-8000-000000002013";
/// The final 5-year review of the bilateral program.
pub const FINAL_REVIEW: &str = "0190f0a0-2013-7000-8000-0000000000e1";

const DONG_NAI: &str = "dong-nai-iza";
const LAM_DONG: &str = "lam-dong-iza";
const BINH_PHUOC: &str = "binh-phuoc-eza";

/// The fixed command id of the demo's `n`th command.
fn command_id(n: usize) -> Uuid {
    Uuid::parse_str(&format!("0190f0a0-de00-7000-8000-{n:012x}")).expect("a well-formed uuid")
}

fn party(id: &str, name: &str, short: &str, kind: &str, province: &str) -> Value {
    json!({"type": "RegisterParty", "data": {
        "party_id": id, "name": name, "short_name": short, "kind": kind, "province": province}})
}

fn exchange(n: u32, on: &str, area: &str, kind: &str, summary: &str) -> Value {
    json!({"type": "RecordExchange", "data": {
        "agreement_id": BILATERAL, "exchange_id": format!("0190f0a0-2008-7000-8000-{n:012x}"),
        "occurred_on": on, "area": area, "kind": kind, "parties": [DONG_NAI, LAM_DONG], "summary": summary}})
}

/// The story, in order.
fn story() -> Vec<Value> {
    let areas = json!([
        "experience_exchange",
        "state_management_information",
        "investment_promotion",
        "labour_recruitment",
        "decree_29_2008",
        "scheme_30"
    ]);
    let mut commands = vec![
        party(
            DONG_NAI,
            "Ban quản lý các Khu công nghiệp tỉnh Đồng Nai",
            "BQL các KCN Đồng Nai",
            "industrial_zone_authority",
            "Đồng Nai",
        ),
        party(
            LAM_DONG,
            "Ban quản lý các Khu công nghiệp tỉnh Lâm Đồng",
            "BQL các KCN Lâm Đồng",
            "industrial_zone_authority",
            "Lâm Đồng",
        ),
        party(
            BINH_PHUOC,
            "Ban quản lý Khu kinh tế tỉnh Bình Phước",
            "BQL KKT Bình Phước",
            "economic_zone_authority",
            "Bình Phước",
        ),
        json!({"type": "SignAgreement", "data": {
            "agreement_id": BILATERAL,
            "title": "Chương trình hợp tác giữa Ban quản lý các KCN Đồng Nai và Ban quản lý các KCN Lâm Đồng giai đoạn 2007–2013",
            "parties": [DONG_NAI, LAM_DONG], "signed_on": "2007-12-20", "place": "Ban quản lý các Khu công nghiệp tỉnh Đồng Nai",
            "term": {"start": "2007-12-20", "end": "2013-12-31"}, "areas": areas}}),
    ];
    commands.extend([
        exchange(1, "2008-05-15", "decree_29_2008", "meeting", "Trao đổi kinh nghiệm triển khai Nghị định số 29/2008/NĐ-CP ngày 14/3/2008 của Chính phủ quy định về KCN, KCX, KKT"),
        exchange(2, "2009-09-10", "investment_promotion", "support", "Hỗ trợ nhau trong công tác mời gọi đầu tư vào các Khu công nghiệp"),
        exchange(3, "2010-04-22", "state_management_information", "information", "Cung cấp thông tin trong công tác quản lý nhà nước liên quan đến các hoạt động tại các Khu công nghiệp"),
        exchange(4, "2011-06-08", "labour_recruitment", "support", "Hỗ trợ nhau về tuyển dụng lao động cho doanh nghiệp trong các KCN"),
        exchange(5, "2012-03-15", "scheme_30", "visit", "Trao đổi kinh nghiệm thực hiện Đề án 30 của Chính phủ về đơn giản hóa thủ tục hành chính"),
        exchange(6, "2012-11-20", "experience_exchange", "visit", "Đoàn công tác Ban quản lý các KCN Lâm Đồng thăm và học tập kinh nghiệm tại các KCN Đồng Nai"),
    ]);
    commands.extend([
        json!({"type": "OpenReviewPeriod", "data": {
            "agreement_id": BILATERAL, "review_id": FINAL_REVIEW, "kind": "final",
            "title": "Tổng kết 5 năm thực hiện chương trình hợp tác (2007–2013)",
            "period": {"start": "2007-12-20", "end": "2013-07-04"}, "opened_on": "2013-06-20"}}),
        json!({"type": "RecordAssessment", "data": {
            "agreement_id": BILATERAL, "review_id": FINAL_REVIEW, "party_id": DONG_NAI, "assessed_on": "2013-07-04",
            "rating": "met", "notes": "Chương trình hợp tác đã đạt được mục tiêu, yêu cầu và nội dung đã được hai bên ký kết."}}),
        json!({"type": "RecordAssessment", "data": {
            "agreement_id": BILATERAL, "review_id": FINAL_REVIEW, "party_id": LAM_DONG, "assessed_on": "2013-07-04",
            "rating": "met", "notes": "Lãnh đạo và CBCC hai Ban Quản lý đã có mối quan hệ hữu nghị tốt đẹp, tạo điều kiện gắn bó hỗ trợ hợp tác lâu dài."}}),
        json!({"type": "CloseReviewPeriod", "data": {
            "agreement_id": BILATERAL, "review_id": FINAL_REVIEW, "closed_on": "2013-07-04", "outcome": "met",
            "summary": "Lãnh đạo hai Ban quản lý thống nhất đánh giá chương trình hợp tác đã đạt được mục tiêu, yêu cầu và nội dung đã được hai bên ký kết."}}),
        json!({"type": "SignAgreement", "data": {
            "agreement_id": TRIPARTITE,
            "title": "Chương trình hợp tác và hỗ trợ lẫn nhau giữa Ban quản lý các KCN Đồng Nai, Lâm Đồng và Ban quản lý Khu kinh tế Bình Phước giai đoạn 2013–2015",
            "parties": [BINH_PHUOC, DONG_NAI, LAM_DONG], "signed_on": "2013-07-04",
            "place": "Ban quản lý các Khu công nghiệp tỉnh Lâm Đồng",
            "term": {"start": "2013-07-04", "end": "2015-12-31"},
            "areas": ["experience_exchange", "state_management_information", "investment_promotion",
                      "labour_recruitment", "decree_29_2008", "scheme_30", "regional_linkage"],
            "responsibilities": {
                DONG_NAI: "Chia sẻ kinh nghiệm xây dựng và phát triển các KCN; phối hợp xúc tiến đầu tư.",
                LAM_DONG: "Đầu mối tổ chức hội nghị; cung cấp thông tin quản lý nhà nước về các KCN.",
                BINH_PHUOC: "Chia sẻ kinh nghiệm phát triển Khu kinh tế; phối hợp liên kết hợp tác vùng."},
            "supersedes": BILATERAL}}),
    ]);
    commands.extend(work_plan());
    commands
}

/// A work plan activity of the tripartite program.
pub fn activity_id(n: u32) -> String {
    format!("0190f0a0-2014-7000-8000-0000000000a{n}")
}

/// A follow-up agreed at an exchange of the tripartite program.
pub fn follow_up_id(n: u32) -> String {
    format!("0190f0a0-2014-7000-8000-0000000000f{n}")
}

/// The tripartite program's work plan, two exchanges carrying it out with
/// their minutes and follow-ups, and the follow-ups completed (commands
/// 16–24; illustrative details, docs/demo.md).
fn work_plan() -> Vec<Value> {
    let plan = |n: u32, area: &str, title: &str, lead: &str, due: &str| {
        json!({"type": "PlanActivity", "data": {
            "agreement_id": TRIPARTITE, "activity_id": activity_id(n), "area": area,
            "title": title, "lead_party": lead, "due_on": due}})
    };
    vec![
        plan(
            1,
            "investment_promotion",
            "Hội nghị xúc tiến đầu tư vào các KCN, KKT của ba tỉnh",
            LAM_DONG,
            "2014-06-30",
        ),
        plan(
            2,
            "decree_29_2008",
            "Trao đổi kinh nghiệm triển khai Nghị định số 29/2008/NĐ-CP",
            DONG_NAI,
            "2014-12-31",
        ),
        plan(
            3,
            "regional_linkage",
            "Hội thảo liên kết hợp tác vùng",
            BINH_PHUOC,
            "2015-09-30",
        ),
        json!({"type": "CancelActivity", "data": {
            "agreement_id": TRIPARTITE, "activity_id": activity_id(3),
            "reason": "Nội dung được lồng ghép vào hội nghị xúc tiến đầu tư"}}),
        json!({"type": "RecordExchange", "data": {
            "agreement_id": TRIPARTITE, "exchange_id": "0190f0a0-2014-7000-8000-000000000011",
            "occurred_on": "2014-04-18", "area": "investment_promotion", "kind": "event",
            "parties": [BINH_PHUOC, DONG_NAI, LAM_DONG],
            "summary": "Hội nghị xúc tiến đầu tư vào các Khu công nghiệp, Khu kinh tế của ba tỉnh",
            "place": "Đà Lạt, Lâm Đồng",
            "participants": [
                {"name": "Lãnh đạo Ban quản lý các KCN Lâm Đồng", "title": "Trưởng ban", "party_id": LAM_DONG},
                {"name": "Lãnh đạo Ban quản lý các KCN Đồng Nai", "title": "Phó Trưởng ban", "party_id": DONG_NAI},
                {"name": "Lãnh đạo Ban quản lý Khu kinh tế Bình Phước", "title": "Phó Trưởng ban", "party_id": BINH_PHUOC}],
            "minutes": "Ba Ban quản lý thống nhất giới thiệu chung danh mục dự án kêu gọi đầu tư và cử đầu mối phối hợp.",
            "follow_ups": [{"follow_up_id": follow_up_id(1), "action": "Gửi danh mục dự án kêu gọi đầu tư cho các Ban",
                            "party_id": BINH_PHUOC, "due_on": "2014-05-31"}],
            "activity_id": activity_id(1)}}),
        json!({"type": "RecordExchange", "data": {
            "agreement_id": TRIPARTITE, "exchange_id": "0190f0a0-2014-7000-8000-000000000012",
            "occurred_on": "2014-10-15", "area": "decree_29_2008", "kind": "visit",
            "parties": [DONG_NAI, LAM_DONG],
            "summary": "Đoàn công tác Ban quản lý các KCN Lâm Đồng trao đổi kinh nghiệm triển khai Nghị định 29/2008/NĐ-CP tại Đồng Nai",
            "place": "Biên Hòa, Đồng Nai",
            "minutes": "Hai Ban trao đổi kinh nghiệm cấp giấy chứng nhận đầu tư và quản lý doanh nghiệp trong KCN.",
            "follow_ups": [{"follow_up_id": follow_up_id(2), "action": "Gửi tài liệu hướng dẫn thủ tục đầu tư",
                            "party_id": DONG_NAI, "due_on": "2014-11-30"}],
            "activity_id": activity_id(2)}}),
        json!({"type": "CompleteFollowUp", "data": {
            "agreement_id": TRIPARTITE, "follow_up_id": follow_up_id(1), "completed_on": "2014-05-20"}}),
        json!({"type": "CompleteFollowUp", "data": {
            "agreement_id": TRIPARTITE, "follow_up_id": follow_up_id(2), "completed_on": "2014-11-25"}}),
    ]
}

/// Loads the story through `engine`; commands already appended are answered
/// from their idempotency records and change nothing.
pub async fn load(engine: &Engine) -> Result<()> {
    let actor = Actor {
        token_id: "demo-loader".into(),
        role: Role::System,
        party_id: None,
    };
    let mut appended = 0;
    for (n, request) in story().into_iter().enumerate() {
        let id = command_id(n + 1);
        let mut body = request.clone();
        body["command_id"] = json!(id);
        let command: Command = serde_json::from_value(request).context("a demo command parses")?;
        let submission = Submission {
            command,
            command_id: Some(id),
            expected_version: None,
            correlation_id: Some("demo".into()),
            actor: actor.clone(),
            request_hash: accord_api::request_hash(&body).map_err(|e| anyhow::anyhow!("{e}"))?,
        };
        match engine
            .submit(submission)
            .await
            .with_context(|| format!("demo command {}", n + 1))?
        {
            Outcome::Created(_) => appended += 1,
            Outcome::Replayed(_) => {}
        }
    }
    tracing::info!(
        appended,
        "demo data loaded (the seed's story; appended 0 means it was loaded before)"
    );
    Ok(())
}
