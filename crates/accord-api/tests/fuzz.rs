//! Fuzzing, bounded for CI: arbitrary bytes and arbitrary JSON through the
//! very decoder `POST /v1/commands` uses, and whatever decodes through the
//! role check and `WriteModel::decide`/`evolve`. Nothing may panic; a body
//! either decodes or is a 400 naming a field. Cases: `PROPTEST_CASES`
//! (default 256). What the fuzzers found is kept below as regression tests.

use accord_api::extract::parse_json;
use accord_api::{decode, ApiError};
use accord_domain::{Command, WriteModel};
use accord_engine::authorize;
use accord_store::{Actor, Role};
use proptest::prelude::*;
use serde_json::{json, Map, Value};
use uuid::Uuid;

/// Every command's name and one that is none.
fn types() -> Vec<&'static str> {
    let mut types = accord_domain::Command::NAMES.to_vec();
    types.push("NoSuchCommand");
    types
}
const FIELDS: [&str; 30] = [
    "party_id",
    "name",
    "short_name",
    "kind",
    "province",
    "agreement_id",
    "title",
    "parties",
    "signed_on",
    "place",
    "term",
    "start",
    "end",
    "areas",
    "responsibilities",
    "supersedes",
    "effective_on",
    "reason",
    "exchange_id",
    "occurred_on",
    "area",
    "summary",
    "outcome",
    "review_id",
    "period",
    "opened_on",
    "assessed_on",
    "rating",
    "notes",
    "closed_on",
];
const PARTIES: [&str; 3] = ["dong-nai-iza", "lam-dong-iza", "binh-phuoc-eza"];
const IDS: [&str; 4] = [
    "0190f0a0-0000-7000-8000-000000000001",
    "0190f0a0-0000-7000-8000-000000000002",
    "0190f0a0-0000-7000-8000-000000000003",
    "00000000-0000-0000-0000-000000000000",
];
const DATES: [&str; 9] = [
    "2007-12-20",
    "2013-07-04",
    "2015-12-31",
    "2012-02-29",
    "0001-01-01",
    "9999-12-31",
    "2013-02-29",
    "2013-13-01",
    "-0001-01-01",
];
const ENUMS: [&str; 9] = [
    "met",
    "partially_met",
    "not_met",
    "meeting",
    "interim",
    "final",
    "agency",
    "other",
    "",
];

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(256)
}

/// Any JSON, with keys and scalars biased towards what commands contain.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        any::<u64>().prop_map(Value::from),
        ".{0,12}".prop_map(Value::String),
        prop::sample::select(&PARTIES[..]).prop_map(Value::from),
        prop::sample::select(&IDS[..]).prop_map(Value::from),
        prop::sample::select(&DATES[..]).prop_map(Value::from),
        prop::sample::select(&ENUMS[..]).prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(&FIELDS[..]), inner), 0..7).prop_map(
                |kv| Value::Object(
                    kv.into_iter()
                        .map(|(k, v)| (k.to_owned(), v))
                        .collect::<Map<_, _>>()
                )
            ),
        ]
    })
}

/// A command request: a known (or unknown) type, fuzzed data and envelope.
fn any_request() -> impl Strategy<Value = Value> {
    (
        prop::sample::select(types()),
        any_json(),
        prop::option::of(any_json()),
        prop::option::of(any_json()),
    )
        .prop_map(|(kind, data, command_id, expected_version)| {
            let mut request = json!({"type": kind, "data": data});
            if let Some(id) = command_id {
                request["command_id"] = id;
            }
            if let Some(v) = expected_version {
                request["expected_version"] = v;
            }
            request
        })
}

/// A valid command on the seeded agreement with some fields replaced by
/// fuzzed values: most still decode, so `decide` sees odd but typed input.
fn mutated_request() -> impl Strategy<Value = Value> {
    let overrides = prop::collection::vec((prop::sample::select(&FIELDS[..]), any_json()), 0..4);
    (0..templates().len(), overrides).prop_map(|(i, overrides)| {
        let mut request = templates().swap_remove(i);
        for (field, value) in overrides {
            request["data"][field] = value;
        }
        request
    })
}

fn templates() -> Vec<Value> {
    let (a, x, r) = (IDS[0], IDS[1], IDS[2]);
    vec![
        json!({"type": "RegisterParty", "data": {"party_id": "vi-du-iza", "name": "n", "kind": "agency"}}),
        json!({"type": "SignAgreement", "data": {"title": "t", "parties": [PARTIES[0], PARTIES[2]],
            "signed_on": "2013-07-04", "term": {"start": "2013-07-04", "end": "2015-12-31"}, "areas": ["meeting"],
            "supersedes": a}}),
        json!({"type": "AmendAgreement", "data": {"agreement_id": a, "effective_on": "2013-07-04", "reason": "r",
            "term": {"start": "2007-12-20", "end": "2016-12-31"}, "areas": ["meeting", "visit"]}}),
        json!({"type": "AdmitParty", "data": {"agreement_id": a, "party_id": PARTIES[2], "effective_on": "2013-07-04"}}),
        json!({"type": "RecordExchange", "data": {"agreement_id": a, "occurred_on": "2013-07-04", "area": "meeting",
            "kind": "visit", "parties": [PARTIES[0], PARTIES[1]], "summary": "s"}}),
        json!({"type": "CorrectExchange", "data": {"agreement_id": a, "exchange_id": x, "reason": "r",
            "occurred_on": "2008-01-01", "parties": [PARTIES[1]]}}),
        json!({"type": "RetractExchange", "data": {"agreement_id": a, "exchange_id": x, "reason": "r"}}),
        json!({"type": "OpenReviewPeriod", "data": {"agreement_id": a, "title": "t", "kind": "interim",
            "period": {"start": "2007-12-20", "end": "2010-12-31"}, "opened_on": "2011-01-01"}}),
        json!({"type": "RecordAssessment", "data": {"agreement_id": a, "review_id": r, "party_id": PARTIES[1],
            "assessed_on": "2013-07-04", "rating": "partially_met"}}),
        json!({"type": "CloseReviewPeriod", "data": {"agreement_id": a, "review_id": r, "closed_on": "2013-07-04",
            "outcome": "met", "summary": "s"}}),
        json!({"type": "TerminateAgreement", "data": {"agreement_id": a, "effective_on": "2013-07-05", "reason": "r"}}),
    ]
}

/// Decoding either succeeds or is a 400 that names a field.
fn decode_bytes(bytes: &[u8]) -> Option<Command> {
    let decoded = parse_json(bytes).and_then(decode);
    match decoded {
        Ok((_, command)) => Some(command),
        Err(ApiError::Invalid { errors, .. }) => {
            assert!(!errors.is_empty() && !errors[0].field.is_empty());
            None
        }
        Err(other) => panic!("the decoder answered {other:?}, not a 400"),
    }
}

fn actors() -> Vec<Actor> {
    let actor = |role: Role, party: Option<&str>| Actor {
        token_id: "fuzz".into(),
        role,
        party_id: party.map(str::to_owned),
    };
    vec![
        actor(Role::Admin, None),
        actor(Role::Writer, Some("dong-nai-iza")),
        actor(Role::Writer, None),
        actor(Role::Auditor, None),
        actor(Role::System, Some("lam-dong-iza")),
    ]
}

/// Decides and, when accepted, evolves: the writer's path without the store.
fn run(model: &mut WriteModel, mut command: Command) {
    let mut n = 0u128;
    command.assign_ids(|| {
        n += 1;
        Uuid::from_u128(n)
    });
    for actor in actors() {
        let _ = authorize(&actor, &command, model);
    }
    if let Ok(decision) = model.decide(&command) {
        for fact in decision.facts {
            model.evolve(&fact.event);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic_the_decoder(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        decode_bytes(&bytes);
    }

    #[test]
    fn arbitrary_json_never_panics_the_decoder(request in any_request()) {
        decode_bytes(request.to_string().as_bytes());
    }

    #[test]
    fn whatever_decodes_never_panics_the_rules(
        requests in prop::collection::vec(prop_oneof![any_request(), mutated_request(), mutated_request()], 1..40),
    ) {
        let mut model = WriteModel::new();
        for seed in seeds() {
            run(&mut model, seed);
        }
        for request in requests {
            if let Some(command) = decode_bytes(request.to_string().as_bytes()) {
                run(&mut model, command);
            }
        }
    }
}

/// Three parties and one agreement with an exchange and an open review, so
/// that fuzzed commands reach the rules past "unknown agreement".
fn seeds() -> Vec<Command> {
    let commands = [
        json!({"type": "RegisterParty", "data": {"party_id": PARTIES[0], "name": "a", "kind": "agency"}}),
        json!({"type": "RegisterParty", "data": {"party_id": PARTIES[1], "name": "b", "kind": "agency"}}),
        json!({"type": "RegisterParty", "data": {"party_id": PARTIES[2], "name": "c", "kind": "agency"}}),
        json!({"type": "SignAgreement", "data": {"agreement_id": IDS[0], "title": "t", "parties": [PARTIES[0], PARTIES[1]],
            "signed_on": "2007-12-20", "term": {"start": "2007-12-20", "end": "2015-12-31"}, "areas": ["meeting"]}}),
        json!({"type": "RecordExchange", "data": {"agreement_id": IDS[0], "exchange_id": IDS[1], "occurred_on": "2013-07-04",
            "area": "meeting", "kind": "meeting", "parties": [PARTIES[0]], "summary": "s"}}),
        json!({"type": "OpenReviewPeriod", "data": {"agreement_id": IDS[0], "review_id": IDS[2], "title": "r", "kind": "final",
            "period": {"start": "2007-12-20", "end": "2013-07-04"}, "opened_on": "2013-07-04"}}),
    ];
    commands
        .iter()
        .map(|c| decode_bytes(c.to_string().as_bytes()).expect("the seed decodes"))
        .collect()
}

// ------------------------------------------------------ regression tests

#[test]
fn dates_at_the_edges_of_the_calendar_decide_without_overflow() {
    let mut model = WriteModel::new();
    for seed in seeds() {
        run(&mut model, seed);
    }
    for template in templates() {
        let command =
            decode_bytes(template.to_string().as_bytes()).expect("every template decodes");
        run(&mut model, command);
    }
    for (start, end) in [
        ("0001-01-01", "9999-12-31"),
        ("9999-12-31", "9999-12-31"),
        ("0001-01-01", "0001-01-01"),
    ] {
        let sign = json!({"type": "SignAgreement", "data": {"title": "t", "parties": [PARTIES[0], PARTIES[2]],
            "signed_on": start, "term": {"start": start, "end": end}, "areas": ["a"]}});
        run(
            &mut model,
            decode_bytes(sign.to_string().as_bytes()).unwrap(),
        );
    }
    let amend = json!({"type": "AmendAgreement", "data": {"agreement_id": IDS[0], "effective_on": "9999-12-31",
        "reason": "r", "term": {"start": "0001-01-01", "end": "9999-12-31"}}});
    run(
        &mut model,
        decode_bytes(amend.to_string().as_bytes()).unwrap(),
    );
}

#[test]
fn malformed_bodies_are_400s_naming_a_field() {
    for body in [
        &b""[..],
        b"null",
        b"[]",
        b"{\"type\": 1}",
        b"{\"type\": \"RegisterParty\"}",
        b"{\"type\": \"RegisterParty\", \"data\": null}",
        b"{\"type\": \"SignAgreement\", \"data\": {\"term\": {\"start\": \"2013-02-29\"}}}",
        b"{\"type\": \"RecordAssessment\", \"data\": {}, \"expected_version\": -1}",
        b"{\"type\": \"AdmitParty\", \"data\": {}, \"command_id\": \"not-a-uuid\"}",
        b"\xef\xbb\xbf{}",
    ] {
        assert!(
            decode_bytes(body).is_none(),
            "{}",
            String::from_utf8_lossy(body)
        );
    }
}

#[test]
fn the_templates_the_fuzzer_mutates_are_accepted_in_order() {
    let mut model = WriteModel::new();
    for seed in seeds() {
        run(&mut model, seed);
    }
    for template in templates() {
        let mut command = decode_bytes(template.to_string().as_bytes()).unwrap();
        command.assign_ids(Uuid::now_v7);
        let decision = model.decide(&command);
        let decision = decision.unwrap_or_else(|r| panic!("{template} refused: {r:?}"));
        for fact in decision.facts {
            model.evolve(&fact.event);
        }
    }
}
