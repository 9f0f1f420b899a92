//! The exchange tables as a snapshot holds them (format 8, ADR 0043):
//! every area and every list of parties once, then each record of every
//! agreement naming them by number (a record names its agreement, which
//! gives it its table as it is decoded, ADR 0056).
//!
//! ```text
//! areas: [AreaId] ‖ lists: [[PartyId]] ‖ records: [(ExchangeId, record)]
//! ```
//!
//! A record is [`ExchangeRecord`] without its texts, with its area and its
//! parties as indexes into the two lists. At a million events the table
//! holds 850,000 records naming a few dozen areas and a few thousand party
//! lists: decoding them one by one allocated an area and two or three
//! party ids per record (then dropped them for the shared copies), and
//! wrote them out in full in every snapshot.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use accord_domain::{
    ActivityId, AgreementId, AreaId, BusinessDate, ExchangeId, ExchangeKind, FollowUp, PartyList,
};
use serde::de::{DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeSeq, SerializeStruct};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{ExchangeTables, Exchanges, Interned, Texts};
use crate::state::ExchangeRecord;

/// A record as stored: its area and parties by number.
#[derive(Serialize)]
struct StoredRef<'a> {
    agreement_id: AgreementId,
    position: u64,
    occurred_on: BusinessDate,
    area: u32,
    kind: ExchangeKind,
    parties: u32,
    follow_ups: &'a [FollowUp],
    activity_id: Option<ActivityId>,
    corrected: bool,
    retracted: bool,
    sources: &'a [u64],
}

/// [`StoredRef`] decoded (the same fields in the same order).
#[derive(Deserialize)]
struct Stored {
    agreement_id: AgreementId,
    position: u64,
    occurred_on: BusinessDate,
    area: u32,
    kind: ExchangeKind,
    parties: u32,
    follow_ups: Vec<FollowUp>,
    activity_id: Option<ActivityId>,
    corrected: bool,
    retracted: bool,
    sources: Vec<u64>,
}

/// Numbers each distinct value in order of first sight.
struct Numbering<'a, T> {
    values: Vec<&'a T>,
    numbers: HashMap<&'a T, u32>,
}

impl<'a, T: Eq + std::hash::Hash> Numbering<'a, T> {
    fn new() -> Self {
        Self {
            values: Vec::new(),
            numbers: HashMap::new(),
        }
    }

    fn add(&mut self, value: &'a T) {
        if !self.numbers.contains_key(value) {
            let number = u32::try_from(self.values.len()).expect("fewer than 2^32 values");
            self.numbers.insert(value, number);
            self.values.push(value);
        }
    }

    fn number(&self, value: &T) -> u32 {
        self.numbers[value]
    }
}

impl Serialize for ExchangeTables {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut areas = Numbering::new();
        let mut lists = Numbering::new();
        for x in self.values() {
            areas.add(&x.area);
            lists.add(&x.parties);
        }
        let mut table = s.serialize_struct("Exchanges", 3)?;
        table.serialize_field("areas", &areas.values)?;
        table.serialize_field("lists", &lists.values)?;
        table.serialize_field(
            "records",
            &Records {
                tables: self,
                areas: &areas,
                lists: &lists,
            },
        )?;
        table.end()
    }
}

/// The records, serialized one by one with their numbers.
struct Records<'a> {
    tables: &'a ExchangeTables,
    areas: &'a Numbering<'a, AreaId>,
    lists: &'a Numbering<'a, PartyList>,
}

impl Serialize for Records<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.tables.len()))?;
        let records = self.tables.by_agreement.values();
        for (id, x) in records.flat_map(|t| t.records.iter()) {
            let stored = StoredRef {
                agreement_id: x.agreement_id,
                position: x.position,
                occurred_on: x.occurred_on,
                area: self.areas.number(&x.area),
                kind: x.kind,
                parties: self.lists.number(&x.parties),
                follow_ups: &x.follow_ups,
                activity_id: x.activity_id,
                corrected: x.corrected,
                retracted: x.retracted,
                sources: &x.sources,
            };
            seq.serialize_element(&(id, stored))?;
        }
        seq.end()
    }
}

impl<'de> Deserialize<'de> for ExchangeTables {
    /// Lean (no texts), every area, party id and list shared.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_struct("Exchanges", &["areas", "lists", "records"], Table)
    }
}

struct Table;

impl<'de> Visitor<'de> for Table {
    type Value = ExchangeTables;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an exchange table")
    }

    /// bincode (snapshots): the three fields in order.
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ExchangeTables, A::Error> {
        let missing = || serde::de::Error::custom("an exchange table of three fields");
        let mut interned = Interned::default();
        let areas: Vec<AreaId> = seq.next_element()?.ok_or_else(missing)?;
        let lists: Vec<PartyList> = seq.next_element()?.ok_or_else(missing)?;
        let (areas, lists) = interned.dictionaries(&areas, &lists);
        let seed = RecordsSeed {
            areas: &areas,
            lists: &lists,
            interned: &mut interned,
        };
        let records = seq.next_element_seed(seed)?.ok_or_else(missing)?;
        Ok(ExchangeTables::decoded(records, interned))
    }

    /// Self-describing formats (JSON in tests): the three fields by name,
    /// in the order they are written.
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ExchangeTables, A::Error> {
        expect_key(&mut map, "areas")?;
        let areas: Vec<AreaId> = map.next_value()?;
        expect_key(&mut map, "lists")?;
        let lists: Vec<PartyList> = map.next_value()?;
        let mut interned = Interned::default();
        let (areas, lists) = interned.dictionaries(&areas, &lists);
        expect_key(&mut map, "records")?;
        let records = map.next_value_seed(RecordsSeed {
            areas: &areas,
            lists: &lists,
            interned: &mut interned,
        })?;
        Ok(ExchangeTables::decoded(records, interned))
    }
}

/// The next key of a map, which must be `name`.
fn expect_key<'de, A: MapAccess<'de>>(map: &mut A, name: &str) -> Result<(), A::Error> {
    match map.next_key::<String>()? {
        Some(key) if key == name => Ok(()),
        _ => Err(serde::de::Error::custom(format!(
            "an exchange table's `{name}` in its place"
        ))),
    }
}

impl Interned {
    /// The shared copies of a decoded table's areas and party lists.
    fn dictionaries(
        &mut self,
        areas: &[AreaId],
        lists: &[PartyList],
    ) -> (Vec<AreaId>, Vec<PartyList>) {
        let areas = areas.iter().map(|a| self.area(a)).collect();
        let lists = lists.iter().map(|l| self.list(l)).collect();
        (areas, lists)
    }
}

impl ExchangeTables {
    /// Decoded tables: lean (a snapshot holds no texts).
    fn decoded(by_agreement: HashMap<AgreementId, Exchanges>, interned: Interned) -> Self {
        ExchangeTables {
            by_agreement: by_agreement
                .into_iter()
                .map(|(id, table)| (id, Arc::new(table)))
                .collect(),
            texts: Texts::Lean,
            interned,
        }
    }
}

/// Decodes the records against the decoded areas and lists.
struct RecordsSeed<'a> {
    areas: &'a [AreaId],
    lists: &'a [PartyList],
    interned: &'a mut Interned,
}

impl<'de> DeserializeSeed<'de> for RecordsSeed<'_> {
    type Value = HashMap<AgreementId, Exchanges>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for RecordsSeed<'_> {
    type Value = HashMap<AgreementId, Exchanges>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("exchange records")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut records: HashMap<AgreementId, Exchanges> = HashMap::new();
        while let Some((id, x)) = seq.next_element::<(ExchangeId, Stored)>()? {
            let out_of_range = || serde::de::Error::custom("an area or party list out of range");
            let area = self.areas.get(x.area as usize).ok_or_else(out_of_range)?;
            let parties = self
                .lists
                .get(x.parties as usize)
                .ok_or_else(out_of_range)?;
            let mut record = ExchangeRecord {
                agreement_id: x.agreement_id,
                position: x.position,
                occurred_on: x.occurred_on,
                area: area.clone(),
                kind: x.kind,
                parties: parties.clone(),
                follow_ups: x.follow_ups,
                activity_id: x.activity_id,
                corrected: x.corrected,
                retracted: x.retracted,
                sources: x.sources,
                texts: None,
            };
            self.interned.follow_ups(&mut record);
            let table = records
                .entry(record.agreement_id)
                .or_insert_with(|| Exchanges {
                    records: HashMap::new(),
                    texts: Texts::Lean,
                });
            table.records.insert(id, Box::new(record));
        }
        Ok(records)
    }
}
