//! "Today": the date in the service's business time zone (`--timezone`, an
//! IANA name such as `Asia/Ho_Chi_Minh`), the default `at` of every read and
//! the limit of `exchange_in_future`. UTC until a zone is set.
//!
//! The zone is read once from the system's time-zone database (`$TZDIR`,
//! else `/usr/share/zoneinfo`), a TZif file (RFC 8536): its transitions
//! give the offset at any instant up to the last one; after it, the
//! footer's standard offset, or, for a zone whose footer states daylight
//! saving rules, the offset of the last transition (see ADR 0025).

use std::sync::OnceLock;

use accord_domain::BusinessDate;
use time::{OffsetDateTime, UtcOffset};

/// A time zone: its UTC offsets over time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Zone {
    /// The IANA name it was loaded as.
    pub name: String,
    /// Offset (seconds east of UTC) before the first transition.
    initial: i32,
    /// (transition instant in Unix seconds, offset from then on), ascending.
    transitions: Vec<(i64, i32)>,
    /// The offset after the last transition, when the footer states one
    /// without daylight saving rules.
    after: Option<i32>,
}

static ZONE: OnceLock<Zone> = OnceLock::new();

/// Sets the business time zone for the rest of the process (once; a second
/// call is ignored and answers `false`).
pub fn set_zone(zone: Zone) -> bool {
    ZONE.set(zone).is_ok()
}

/// The business time zone's name (`UTC` until one is set).
pub fn zone_name() -> &'static str {
    ZONE.get().map_or("UTC", |z| z.name.as_str())
}

/// Today's date in the business time zone.
pub fn today() -> BusinessDate {
    date_at(OffsetDateTime::now_utc(), ZONE.get())
}

/// The date at `instant` in `zone` (UTC without one).
pub fn date_at(instant: OffsetDateTime, zone: Option<&Zone>) -> BusinessDate {
    let offset = zone.map_or(0, |z| z.offset_at(instant.unix_timestamp()));
    let offset = UtcOffset::from_whole_seconds(offset).unwrap_or(UtcOffset::UTC);
    BusinessDate(instant.to_offset(offset).date())
}

impl Zone {
    /// Loads an IANA zone by name from `$TZDIR` or `/usr/share/zoneinfo`.
    pub fn load(name: &str) -> Result<Zone, String> {
        let well_formed = !name.is_empty()
            && !name.starts_with('/')
            && name
                .split('/')
                .all(|part| !part.is_empty() && part != "." && part != "..")
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "/_-+".contains(c));
        if !well_formed {
            return Err(format!("`{name}` is not an IANA time zone name"));
        }
        let dir = std::env::var("TZDIR").unwrap_or_else(|_| "/usr/share/zoneinfo".into());
        let path = std::path::Path::new(&dir).join(name);
        let bytes = std::fs::read(&path)
            .map_err(|e| format!("time zone `{name}` not found ({}: {e})", path.display()))?;
        Zone::parse(name, &bytes)
    }

    /// Parses a TZif file (versions 1 to 4).
    pub fn parse(name: &str, bytes: &[u8]) -> Result<Zone, String> {
        let bad = || format!("`{name}` is not a valid TZif file");
        let header = Header::read(bytes).ok_or_else(bad)?;
        // Version 2 and later repeat the data with 64-bit times after the
        // 32-bit block, then a footer: those are read when present.
        let (header, data, wide) = if header.version >= b'2' {
            let skip = 44 + header.len(4);
            let second = Header::read(bytes.get(skip..).ok_or_else(bad)?).ok_or_else(bad)?;
            (second, bytes.get(skip + 44..).ok_or_else(bad)?, true)
        } else {
            (header, bytes.get(44..).ok_or_else(bad)?, false)
        };
        let time_size = if wide { 8 } else { 4 };
        let mut at = 0;
        let mut take = |n: usize| -> Result<&[u8], String> {
            let slice = data.get(at..at + n).ok_or_else(bad)?;
            at += n;
            Ok(slice)
        };
        let times = take(header.timecnt * time_size)?;
        let indices = take(header.timecnt)?;
        let types = take(header.typecnt * 6)?;
        let offset_of = |i: usize| -> Option<i32> {
            let t = types.get(i * 6..i * 6 + 4)?;
            Some(i32::from_be_bytes([t[0], t[1], t[2], t[3]]))
        };
        let mut transitions = Vec::with_capacity(header.timecnt);
        for (i, index) in indices.iter().enumerate() {
            let t = &times[i * time_size..(i + 1) * time_size];
            let instant = if wide {
                i64::from_be_bytes(t.try_into().map_err(|_| bad())?)
            } else {
                i64::from(i32::from_be_bytes(t.try_into().map_err(|_| bad())?))
            };
            transitions.push((instant, offset_of(usize::from(*index)).ok_or_else(bad)?));
        }
        let initial = offset_of(0).ok_or_else(bad)?;
        let footer_at = at
            + header.charcnt
            + header.leapcnt * (time_size + 4)
            + header.isstdcnt
            + header.isutcnt;
        let after = if wide {
            data.get(footer_at..)
                .and_then(|rest| std::str::from_utf8(rest).ok())
                .and_then(|rest| rest.strip_prefix('\n'))
                .and_then(|rest| rest.split('\n').next())
                .and_then(standard_offset)
        } else {
            None
        };
        Ok(Zone {
            name: name.to_owned(),
            initial,
            transitions,
            after,
        })
    }

    /// The offset east of UTC, in seconds, at Unix instant `t`.
    pub fn offset_at(&self, t: i64) -> i32 {
        let passed = self.transitions.partition_point(|(at, _)| *at <= t);
        if passed == self.transitions.len() {
            if let Some(after) = self.after {
                return after;
            }
        }
        match passed {
            0 => self.initial,
            n => self.transitions[n - 1].1,
        }
    }
}

/// The counts of a TZif header.
struct Header {
    version: u8,
    isutcnt: usize,
    isstdcnt: usize,
    leapcnt: usize,
    timecnt: usize,
    typecnt: usize,
    charcnt: usize,
}

impl Header {
    fn read(bytes: &[u8]) -> Option<Header> {
        if bytes.get(..4)? != b"TZif" {
            return None;
        }
        let count = |i: usize| -> Option<usize> {
            let b = bytes.get(20 + i * 4..24 + i * 4)?;
            usize::try_from(u32::from_be_bytes([b[0], b[1], b[2], b[3]])).ok()
        };
        Some(Header {
            version: *bytes.get(4)?,
            isutcnt: count(0)?,
            isstdcnt: count(1)?,
            leapcnt: count(2)?,
            timecnt: count(3)?,
            typecnt: count(4)?,
            charcnt: count(5)?,
        })
    }

    /// The size of the data block with `time_size`-byte times.
    fn len(&self, time_size: usize) -> usize {
        self.timecnt * time_size
            + self.timecnt
            + self.typecnt * 6
            + self.charcnt
            + self.leapcnt * (time_size + 4)
            + self.isstdcnt
            + self.isutcnt
    }
}

/// The offset east of UTC of a POSIX TZ string without daylight saving
/// (`<+07>-7`, `UTC0`, `EST5`), `None` for one with rules or another form.
fn standard_offset(tz: &str) -> Option<i32> {
    let rest = if let Some(quoted) = tz.strip_prefix('<') {
        &quoted[quoted.find('>')? + 1..]
    } else {
        tz.trim_start_matches(|c: char| c.is_ascii_alphabetic())
    };
    // Daylight saving rules follow the standard offset: not handled here.
    if rest.is_empty() || rest.contains(|c: char| c.is_ascii_alphabetic() || c == '<' || c == ',') {
        return None;
    }
    let (sign, digits) = match rest.as_bytes()[0] {
        b'-' => (1, &rest[1..]),
        b'+' => (-1, &rest[1..]),
        _ => (-1, rest),
    };
    let mut parts = digits.split(':');
    let hours: i32 = parts.next()?.parse().ok()?;
    let minutes: i32 = parts.next().map_or(Some(0), |m| m.parse().ok())?;
    let seconds: i32 = parts.next().map_or(Some(0), |s| s.parse().ok())?;
    // POSIX counts west of UTC: `<+07>-7` is seven hours east.
    Some(sign * (hours * 3600 + minutes * 60 + seconds))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn posix_standard_offsets_count_east_of_utc() {
        assert_eq!(standard_offset("<+07>-7"), Some(7 * 3600));
        assert_eq!(standard_offset("UTC0"), Some(0));
        assert_eq!(standard_offset("EST5"), Some(-5 * 3600));
        assert_eq!(standard_offset("<+0530>-5:30"), Some(5 * 3600 + 1800));
        assert_eq!(standard_offset("CET-1CEST,M3.5.0,M10.5.0/3"), None);
    }

    #[test]
    fn ho_chi_minh_city_is_seven_hours_ahead_of_utc() {
        let zone = Zone::load("Asia/Ho_Chi_Minh").expect("the system's zone database");
        let evening = datetime!(2025-06-30 17:30 UTC);
        assert_eq!(
            date_at(evening, Some(&zone)),
            BusinessDate::parse("2025-07-01").unwrap()
        );
        assert_eq!(
            date_at(evening, None),
            BusinessDate::parse("2025-06-30").unwrap()
        );
        let morning = datetime!(2025-06-30 16:59 UTC);
        assert_eq!(
            date_at(morning, Some(&zone)),
            BusinessDate::parse("2025-06-30").unwrap()
        );
    }

    #[test]
    fn names_outside_the_database_are_refused() {
        assert!(Zone::load("../etc/passwd").is_err());
        assert!(Zone::load("Asia/Nowhere").is_err());
        assert!(Zone::load("").is_err());
    }
}
