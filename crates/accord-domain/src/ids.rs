//! Identifiers and dates that validate when parsed, so that a value of these
//! types is always well formed.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use serde::de::Visitor;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::Uuid;

/// Why an identifier or date could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParseError(pub String);

/// Implements the string-backed serde and `Display` for a validated newtype.
///
/// The text is an `Arc<str>`: ids are copied into every exchange, count and
/// index of both models, and a copy is then a reference count, not an
/// allocation (ADR 0019).
macro_rules! string_newtype {
    ($name:ident) => {
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl FromStr for $name {
            type Err = ParseError;
            fn from_str(s: &str) -> Result<Self, ParseError> {
                Self::parse(s)
            }
        }
        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                // Parsed from the borrowed text: one allocation (the id's
                // own), not a temporary String first. Replays decode
                // millions of ids.
                struct Text;
                impl Visitor<'_> for Text {
                    type Value = $name;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str(concat!("a ", stringify!($name), " string"))
                    }
                    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<$name, E> {
                        $name::parse(s).map_err(E::custom)
                    }
                }
                d.deserialize_str(Text)
            }
        }
        impl $name {
            /// The identifier as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
    };
}

/// Whether `s` is a slug: `^[a-z0-9][a-z0-9-]{min_rest,63}$` (areas may use `_`).
fn is_slug(s: &str, extra: Option<char>, min_rest: usize) -> bool {
    let mut chars = s.chars();
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    match chars.next() {
        Some(c) if allowed(c) => {}
        _ => return false,
    }
    let rest = s.len() - 1;
    (min_rest..=63).contains(&rest) && chars.all(|c| allowed(c) || c == '-' || Some(c) == extra)
}

/// A party's identifier: a slug `^[a-z0-9][a-z0-9-]{1,63}$`, e.g. `dong-nai-iza`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(value_type = String, pattern = "^[a-z0-9][a-z0-9-]{1,63}$", example = "dong-nai-iza"))]
pub struct PartyId(Arc<str>);
string_newtype!(PartyId);

impl PartyId {
    /// Parses a party slug.
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        if is_slug(s, None, 1) {
            Ok(Self(Arc::from(s)))
        } else {
            Err(ParseError(format!(
                "`{s}` is not a party id: 2 to 64 characters, a-z, 0-9 and '-', not starting with '-'"
            )))
        }
    }
}

/// The parties an exchange names, in the order given, as both models keep
/// them: one shared, immutable list, so that a copy is a reference count.
/// An agreement's exchanges name a handful of distinct lists, so the read
/// models keep one copy of each and the write model derived from them
/// shares it (ADR 0043), instead of a vector per exchange in each model.
/// Serialized as a sequence of party ids, like a `Vec<PartyId>`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct PartyList(Arc<[PartyId]>);

impl PartyList {
    /// The parties as a vector.
    pub fn to_vec(&self) -> Vec<PartyId> {
        self.0.to_vec()
    }

    /// Whether both are the same shared copy (then they are equal).
    pub fn same_copy(&self, other: &PartyList) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl std::ops::Deref for PartyList {
    type Target = [PartyId];
    fn deref(&self) -> &[PartyId] {
        &self.0
    }
}

impl<'a> IntoIterator for &'a PartyList {
    type Item = &'a PartyId;
    type IntoIter = std::slice::Iter<'a, PartyId>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl From<Vec<PartyId>> for PartyList {
    fn from(parties: Vec<PartyId>) -> Self {
        Self(parties.into())
    }
}

impl From<&[PartyId]> for PartyList {
    fn from(parties: &[PartyId]) -> Self {
        Self(parties.into())
    }
}

impl PartialEq<PartyList> for Vec<PartyId> {
    fn eq(&self, other: &PartyList) -> bool {
        self.as_slice() == &*other.0
    }
}

impl PartialEq<Vec<PartyId>> for PartyList {
    fn eq(&self, other: &Vec<PartyId>) -> bool {
        &*self.0 == other.as_slice()
    }
}

impl fmt::Debug for PartyList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.0.iter()).finish()
    }
}

impl Serialize for PartyList {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter())
    }
}

impl<'de> Deserialize<'de> for PartyList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Vec::<PartyId>::deserialize(d).map(Self::from)
    }
}

/// An area of cooperation, unique within an agreement: a slug of a-z, 0-9,
/// `-` and `_`, e.g. `investment_promotion`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(value_type = String, pattern = "^[a-z0-9][a-z0-9_-]{0,63}$", example = "investment_promotion"))]
pub struct AreaId(Arc<str>);
string_newtype!(AreaId);

impl AreaId {
    /// Parses an area slug.
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        if is_slug(s, Some('_'), 0) {
            Ok(Self(Arc::from(s)))
        } else {
            Err(ParseError(format!(
                "`{s}` is not an area: 1 to 64 characters, a-z, 0-9, '-' and '_'"
            )))
        }
    }
}

/// Declares a UUID-backed identifier.
macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
        pub struct $name(pub Uuid);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
        impl FromStr for $name {
            type Err = ParseError;
            fn from_str(s: &str) -> Result<Self, ParseError> {
                Uuid::parse_str(s)
                    .map($name)
                    .map_err(|_| ParseError(format!("`{s}` is not a UUID")))
            }
        }
    };
}

uuid_id!(
    /// An agreement's identifier.
    AgreementId
);
uuid_id!(
    /// An exchange's identifier.
    ExchangeId
);
uuid_id!(
    /// A review period's identifier.
    ReviewId
);
uuid_id!(
    /// An event's identifier (the envelope's `id`).
    EventId
);
uuid_id!(
    /// A planned activity's identifier, unique within its agreement.
    ActivityId
);
uuid_id!(
    /// A follow-up action's identifier, unique within its agreement.
    FollowUpId
);

impl FollowUpId {
    /// The `n`-th id derived from an exchange's: how a follow-up given
    /// without an id is named, the same way every time the same command is
    /// decided against the same record (ADR 0032). A version-8 UUID: the
    /// exchange's bytes mixed with `n`, never equal to a generated (v7) id.
    pub fn derived(exchange: ExchangeId, n: u64) -> Self {
        // splitmix64 of (n + 1): consecutive numbers differ in many bits.
        let mut z = n.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        let mut bytes = *exchange.0.as_bytes();
        for (b, m) in bytes[8..].iter_mut().zip(z.to_be_bytes()) {
            *b ^= m;
        }
        for (b, m) in bytes[..8].iter_mut().zip(z.rotate_left(29).to_be_bytes()) {
            *b ^= m;
        }
        bytes[6] = (bytes[6] & 0x0f) | 0x80;
        bytes[8] = (bytes[8] & 0x3f) | 0x80;
        Self(Uuid::from_bytes(bytes))
    }
}

/// A business date (`YYYY-MM-DD`): the day a fact is about (valid time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(value_type = String, format = Date, example = "2013-07-04"))]
pub struct BusinessDate(pub time::Date);

const DATE_FORMAT: &[time::format_description::FormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

impl BusinessDate {
    /// Parses `YYYY-MM-DD`.
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let parsed = match Self::digits(s.as_bytes()) {
            Some((year, month, day)) => Self::from_ymd(year, month, day).ok_or(()),
            // Anything else (a sign, other lengths) takes the general parser.
            None => time::Date::parse(s, DATE_FORMAT).map(Self).map_err(|_| ()),
        };
        parsed.map_err(|()| ParseError(format!("`{s}` is not a date (YYYY-MM-DD)")))
    }

    /// The parts of the usual form, four digits, two and two separated by
    /// `-`, read without the general parser (ten times faster; replays parse
    /// millions of dates). `None` for any other form.
    fn digits(b: &[u8]) -> Option<(i32, u8, u8)> {
        let number = |range: std::ops::Range<usize>| -> Option<u32> {
            b[range].iter().try_fold(0u32, |n, c| {
                c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
            })
        };
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let year = i32::try_from(number(0..4)?).ok()?;
        let month = u8::try_from(number(5..7)?).ok()?;
        let day = u8::try_from(number(8..10)?).ok()?;
        Some((year, month, day))
    }

    /// Builds a date from its parts; `None` if there is no such day.
    pub fn from_ymd(year: i32, month: u8, day: u8) -> Option<Self> {
        let month = time::Month::try_from(month).ok()?;
        time::Date::from_calendar_date(year, month, day)
            .ok()
            .map(Self)
    }
}

impl fmt::Display for BusinessDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.0.format(DATE_FORMAT).map_err(|_| fmt::Error)?;
        f.write_str(&text)
    }
}

impl FromStr for BusinessDate {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, ParseError> {
        Self::parse(s)
    }
}

/// `YYYY-MM-DD` in human-readable formats (JSON: the log, the API); the
/// Julian day number (an `i32`) in binary ones (bincode: snapshots), which
/// decodes without parsing text (ADR 0019).
impl Serialize for BusinessDate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            s.collect_str(self)
        } else {
            s.serialize_i32(self.0.to_julian_day())
        }
    }
}

impl<'de> Deserialize<'de> for BusinessDate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Day;
        impl Visitor<'_> for Day {
            type Value = BusinessDate;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a date YYYY-MM-DD, or a Julian day number in binary formats")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<BusinessDate, E> {
                BusinessDate::parse(s).map_err(E::custom)
            }
            fn visit_i32<E: serde::de::Error>(self, day: i32) -> Result<BusinessDate, E> {
                time::Date::from_julian_day(day)
                    .map(BusinessDate)
                    .map_err(E::custom)
            }
        }
        if d.is_human_readable() {
            d.deserialize_str(Day)
        } else {
            d.deserialize_i32(Day)
        }
    }
}

/// A closed range of business dates: an agreement's term or a review's period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DateRange {
    /// First day, inclusive.
    pub start: BusinessDate,
    /// Last day, inclusive.
    pub end: BusinessDate,
}

impl DateRange {
    /// Whether `day` falls within the range (both ends inclusive).
    pub fn contains(&self, day: BusinessDate) -> bool {
        self.start <= day && day <= self.end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_follow_up_ids_are_stable_distinct_and_version_8() {
        let x = ExchangeId(Uuid::from_u128(0x0190_f0a0_2013_7000_8000_0000_0000_0001));
        let y = ExchangeId(Uuid::from_u128(0x0190_f0a0_2013_7000_8000_0000_0000_0002));
        assert_eq!(FollowUpId::derived(x, 0), FollowUpId::derived(x, 0));
        let ids: std::collections::HashSet<_> = (0..100)
            .flat_map(|n| [FollowUpId::derived(x, n), FollowUpId::derived(y, n)])
            .collect();
        assert_eq!(ids.len(), 200);
        assert_eq!(FollowUpId::derived(x, 3).0.get_version_num(), 8);
    }

    #[test]
    fn party_slugs_follow_the_contract() {
        assert!(PartyId::parse("dong-nai-iza").is_ok());
        assert!(PartyId::parse("a").is_err(), "too short");
        assert!(PartyId::parse("-dong").is_err());
        assert!(PartyId::parse("Đồng-nai").is_err());
        assert!(PartyId::parse(&"a".repeat(64)).is_ok());
        assert!(PartyId::parse(&"a".repeat(65)).is_err());
    }

    #[test]
    fn areas_accept_underscores() {
        assert!(AreaId::parse("investment_promotion").is_ok());
        assert!(AreaId::parse("x").is_ok());
        assert!(AreaId::parse("Investment").is_err());
        assert!(AreaId::parse("").is_err());
    }

    #[test]
    fn dates_round_trip_as_iso_days() {
        let d = BusinessDate::parse("2013-07-04").unwrap();
        assert_eq!(d.to_string(), "2013-07-04");
        assert_eq!(serde_json::to_string(&d).unwrap(), "\"2013-07-04\"");
        assert!(BusinessDate::parse("2013-02-30").is_err());
        assert!(BusinessDate::parse("04/07/2013").is_err());
    }

    #[test]
    fn the_quick_date_parser_agrees_with_the_general_one() {
        let general = |s: &str| time::Date::parse(s, DATE_FORMAT).ok().map(BusinessDate);
        let mut samples: Vec<String> = ["2013-07-04", "0000-01-01", "9999-12-31", "2024-02-29"]
            .into_iter()
            .chain([
                "2023-02-29",
                "2013-00-04",
                "2013-13-01",
                "2013-07-00",
                "2013-07-32",
            ])
            .chain([
                "+2013-07-04",
                "2013-7-04",
                "2013-07-4",
                "2013/07/04",
                "20130704",
            ])
            .chain([
                "2013-07-04 ",
                "２０１３-07-04",
                "-001-01-01",
                "201a-07-04",
                "",
            ])
            .map(str::to_owned)
            .collect();
        for day in (0..3000).map(|i| time::Date::MIN.to_julian_day() + i * 1223) {
            let date = time::Date::from_julian_day(day).unwrap();
            samples.push(date.format(DATE_FORMAT).unwrap());
        }
        for s in &samples {
            assert_eq!(BusinessDate::parse(s).ok(), general(s), "{s:?}");
        }
    }

    #[test]
    fn ids_and_dates_deserialize_from_json_text_with_escapes() {
        let party: PartyId = serde_json::from_str(r#""dong\u002dnai-iza""#).unwrap();
        assert_eq!(party.as_str(), "dong-nai-iza");
        let day: BusinessDate = serde_json::from_str(r#""2013\u002d07-04""#).unwrap();
        assert_eq!(day, BusinessDate::parse("2013-07-04").unwrap());
        assert!(serde_json::from_str::<AreaId>(r#""Not An Area""#).is_err());
        assert!(serde_json::from_str::<BusinessDate>("20130704").is_err());
    }
}
