//! The exchange table of the read models and where its texts come from
//! (ADR 0037).
//!
//! Every exchange's record stays in memory without its texts: what counts,
//! lists, reports, work plans and the write model need (dates, area, kind,
//! parties, follow-ups, activity, status, lineage). Its texts — summary,
//! outcome, place, participants, minutes — are what only the exchange's
//! own view shows, and most of its bytes. Models that keep texts (the
//! default, folded without a log: tests, `accord rebuild`) hold them in
//! the record; lean models ([`ReadModels::lean`]) do not, and read them
//! when a view needs them from the events at the record's `sources` (its
//! recording, then its corrections and retractions), through an
//! [`EventsAt`] the engine gives them ([`ReadModels::read_texts_from`]):
//! the log is indexed by position, so no second copy of the exchanges is
//! written, and what is read is bounded by the store's cache.
//!
//! [`ReadModels::lean`]: crate::ReadModels::lean
//! [`ReadModels::read_texts_from`]: crate::ReadModels::read_texts_from

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::{Arc, LazyLock};

use accord_domain::{AgreementId, AreaId, Event, ExchangeId, PartyId, PartyList};

use crate::state::{ExchangeRecord, ExchangeTexts};

mod stored;

/// Events read back by their global positions: how lean read models read
/// an exchange's texts (the engine reads them from the log).
pub trait EventsAt: Send + Sync {
    /// The events at `positions` (ascending), in the same order; an error
    /// if one cannot be read or decoded.
    fn events_at(&self, positions: &[u64]) -> Result<Vec<Event>, String>;
}

/// Where the texts of exchanges come from.
#[derive(Clone, Default)]
pub(crate) enum Texts {
    /// Kept in each record as events are applied.
    #[default]
    Kept,
    /// Not kept, and nothing to read them from yet (the engine gives the
    /// log before the models serve a view).
    Lean,
    /// Not kept: read from these events when a view needs them.
    Read(Arc<dyn EventsAt>),
}

/// One agreement's exchanges by id, and where their texts come from.
///
/// Records are boxed: the table then holds an id and a pointer per
/// exchange, so growing it by doubling moves 24 bytes an entry, not the
/// whole record.
#[derive(Clone, Default)]
pub(crate) struct Exchanges {
    pub records: HashMap<ExchangeId, Box<ExchangeRecord>>,
    pub texts: Texts,
}

/// Every agreement's exchange table ([`Exchanges`]), by agreement (ADR 0056).
///
/// Each agreement's table is shared (`Arc`): a copy of the read models (an
/// `as_of` state at the live position, a test's clone) copies a pointer
/// per agreement, and applying an exchange event copies the one table it
/// changes if a copy still shares it. Serialized without the texts, each
/// area and party list once ([`stored`]); decoded lean.
#[derive(Clone, Default)]
pub(crate) struct ExchangeTables {
    pub by_agreement: HashMap<AgreementId, Arc<Exchanges>>,
    pub texts: Texts,
    /// One copy of each area and party id the records name.
    pub interned: Interned,
}

/// One shared copy of each area, party id and list of parties named by
/// exchanges: a decoded event gives every record its own copy of each
/// (a few dozen bytes each, and an allocation per list), though a log
/// names a few hundred parties and areas, and an agreement's exchanges a
/// handful of party lists (ADR 0043).
#[derive(Clone, Default)]
pub(crate) struct Interned {
    areas: HashSet<AreaId>,
    parties: HashSet<PartyId>,
    lists: HashSet<PartyList>,
}

impl Interned {
    /// Points the record's area, party ids and party list at the shared
    /// copies.
    pub fn record(&mut self, x: &mut ExchangeRecord) {
        x.area = self.area(&x.area);
        x.parties = self.list(&x.parties);
        self.follow_ups(x);
    }

    /// Points the party ids of the record's follow-ups at the shared copies.
    pub fn follow_ups(&mut self, x: &mut ExchangeRecord) {
        for f in &mut x.follow_ups {
            f.party_id = shared(&mut self.parties, &f.party_id);
        }
    }

    /// The shared copy of `area`.
    pub fn area(&mut self, area: &AreaId) -> AreaId {
        shared(&mut self.areas, area)
    }

    /// The shared copy of `list`, made of shared party ids.
    pub fn list(&mut self, list: &PartyList) -> PartyList {
        if let Some(copy) = self.lists.get(list) {
            return copy.clone();
        }
        let parties: Vec<PartyId> = list.iter().map(|p| shared(&mut self.parties, p)).collect();
        let copy = PartyList::from(parties);
        self.lists.insert(copy.clone());
        copy
    }
}

/// The copy of `id` in `set`, put there if it is the first.
fn shared<T: Clone + Eq + std::hash::Hash>(set: &mut HashSet<T>, id: &T) -> T {
    match set.get(id) {
        Some(copy) => copy.clone(),
        None => {
            set.insert(id.clone());
            id.clone()
        }
    }
}

/// An empty table: what an agreement without exchanges has.
static EMPTY: LazyLock<Exchanges> = LazyLock::new(Exchanges::default);

impl ExchangeTables {
    /// The table of agreement `id` (empty if it has no exchanges).
    pub fn of(&self, id: &AgreementId) -> &Exchanges {
        self.by_agreement.get(id).map_or(&EMPTY, |t| &**t)
    }

    /// The table of agreement `id` to change, made if it is the first
    /// exchange, copied first if a copy of the models shares it.
    pub fn of_mut(&mut self, id: AgreementId) -> &mut Exchanges {
        let texts = &self.texts;
        let table = self.by_agreement.entry(id).or_insert_with(|| {
            Arc::new(Exchanges {
                records: HashMap::new(),
                texts: texts.clone(),
            })
        });
        Arc::make_mut(table)
    }

    /// Adds a record to its agreement's table, its ids shared.
    pub fn insert(&mut self, id: ExchangeId, mut x: ExchangeRecord) {
        self.interned.record(&mut x);
        self.of_mut(x.agreement_id).records.insert(id, Box::new(x));
    }

    /// Whether records applied now keep their texts.
    pub fn keeps_texts(&self) -> bool {
        matches!(self.texts, Texts::Kept)
    }

    /// Reads texts from `texts` from now on, in every table.
    pub fn set_texts(&mut self, texts: Texts) {
        for table in self.by_agreement.values_mut() {
            Arc::make_mut(table).texts = texts.clone();
        }
        self.texts = texts;
    }

    /// Every record of every agreement (in no particular order).
    pub fn values(&self) -> impl Iterator<Item = &ExchangeRecord> {
        self.by_agreement
            .values()
            .flat_map(|t| t.records.values().map(|x| &**x))
    }

    /// Every record of every agreement, to change (each table copied first
    /// if a copy of the models shares it).
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut ExchangeRecord> {
        self.by_agreement
            .values_mut()
            .flat_map(|t| Arc::make_mut(t).records.values_mut().map(|x| &mut **x))
    }

    /// How many records the tables hold together.
    pub fn len(&self) -> usize {
        self.by_agreement.values().map(|t| t.records.len()).sum()
    }
}

impl Exchanges {
    /// The texts of `x` as last corrected: kept, or read from its source
    /// events.
    ///
    /// # Panics
    ///
    /// If the texts are neither kept nor readable: the models serve views
    /// only once the engine has given them the log, and a log that cannot
    /// be read back at a position it acknowledged is damaged.
    pub fn texts_of<'a>(&self, x: &'a ExchangeRecord) -> Cow<'a, ExchangeTexts> {
        if let Some(texts) = &x.texts {
            return Cow::Borrowed(texts);
        }
        let Texts::Read(events) = &self.texts else {
            panic!("lean read models asked for an exchange's texts without a log to read");
        };
        let folded = events
            .events_at(&x.sources)
            .map(|events| ExchangeTexts::folded(&events));
        match folded {
            Ok(Some(texts)) => Cow::Owned(texts),
            Ok(None) => panic!(
                "the event at position {} is not the recording of an exchange",
                x.position
            ),
            Err(error) => panic!("an exchange's texts cannot be read from the log: {error}"),
        }
    }
}

impl Deref for Exchanges {
    type Target = HashMap<ExchangeId, Box<ExchangeRecord>>;
    fn deref(&self) -> &Self::Target {
        &self.records
    }
}

impl DerefMut for Exchanges {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.records
    }
}

/// Equal when every agreement's records are, wherever their texts come
/// from.
impl PartialEq for ExchangeTables {
    fn eq(&self, other: &Self) -> bool {
        self.by_agreement == other.by_agreement
    }
}

/// Equal when the records are, wherever their texts come from.
impl PartialEq for Exchanges {
    fn eq(&self, other: &Self) -> bool {
        self.records == other.records
    }
}

impl fmt::Debug for Texts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Texts::Kept => "kept",
            Texts::Lean => "lean",
            Texts::Read(_) => "read from the log",
        })
    }
}

impl fmt::Debug for Exchanges {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Exchanges")
            .field("records", &self.records)
            .field("texts", &self.texts)
            .finish()
    }
}

impl fmt::Debug for ExchangeTables {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExchangeTables")
            .field("by_agreement", &self.by_agreement)
            .field("texts", &self.texts)
            .finish()
    }
}
