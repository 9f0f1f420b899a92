//! The retry schedule: pure functions of the attempt number, an injected
//! jitter and the receiver's `Retry-After`, so tests need no clock.

use std::time::Duration;

use time::format_description::well_known::Rfc2822;
use time::OffsetDateTime;

/// How far a delay may move either way: ±20 %.
pub const JITTER: f64 = 0.2;

/// The longest `Retry-After` honoured; a longer one is capped to it.
pub const RETRY_AFTER_CAP: Duration = Duration::from_secs(3600);

/// The delays before each retry; the first attempt is immediate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetrySchedule {
    retries: Vec<Duration>,
}

impl Default for RetrySchedule {
    /// Svix's: immediately, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (8 attempts).
    fn default() -> Self {
        let minutes = |m: u64| Duration::from_secs(60 * m);
        RetrySchedule {
            retries: vec![
                Duration::from_secs(5),
                minutes(5),
                minutes(30),
                minutes(120),
                minutes(300),
                minutes(600),
                minutes(600),
            ],
        }
    }
}

impl RetrySchedule {
    /// The schedule with these delays before the retries.
    pub fn new(retries: Vec<Duration>) -> Self {
        RetrySchedule { retries }
    }

    /// Parses `100ms,200ms,1s` (units `ms`, `s`, `m`, `h`): the delays before
    /// each retry, after an immediate first attempt. Empty: no retries.
    pub fn parse(text: &str) -> Result<Self, String> {
        let retries = text
            .split(',')
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .map(parse_duration)
            .collect::<Result<_, _>>()?;
        Ok(RetrySchedule { retries })
    }

    /// How many attempts a delivery gets: the first plus one per retry.
    pub fn attempts(&self) -> usize {
        self.retries.len() + 1
    }

    /// The delay before attempt `attempt` (0 = the first, immediate), moved by
    /// `jitter` ∈ [-1, 1] times ±20 %; None once the schedule is exhausted.
    pub fn delay(&self, attempt: usize, jitter: f64) -> Option<Duration> {
        if attempt == 0 {
            return Some(Duration::ZERO);
        }
        let base = *self.retries.get(attempt - 1)?;
        Some(base.mul_f64(1.0 + JITTER * jitter.clamp(-1.0, 1.0)))
    }
}

/// The delay a `Retry-After` value asks for (seconds, or an HTTP date
/// relative to `now`), capped at [`RETRY_AFTER_CAP`]; None if unreadable.
pub fn retry_after(value: &str, now: OffsetDateTime) -> Option<Duration> {
    let value = value.trim();
    let asked = match value.parse::<u64>() {
        Ok(seconds) => Duration::from_secs(seconds),
        Err(_) => {
            // HTTP dates name their zone `GMT`; RFC 2822 parsing wants an offset.
            let numeric = value.strip_suffix("GMT").map(|v| format!("{v}+0000"));
            let at = OffsetDateTime::parse(numeric.as_deref().unwrap_or(value), &Rfc2822).ok()?;
            Duration::try_from(at - now).unwrap_or(Duration::ZERO)
        }
    };
    Some(asked.min(RETRY_AFTER_CAP))
}

/// Parses `250ms`, `5s`, `5m`, `2h` or `5d`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: u64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration like 100ms, 5s, 5m or 2h"))?;
    match unit {
        "ms" => Ok(Duration::from_millis(n)),
        "s" => Ok(Duration::from_secs(n)),
        "m" => Ok(Duration::from_secs(n * 60)),
        "h" => Ok(Duration::from_secs(n * 3600)),
        "d" => Ok(Duration::from_secs(n * 86400)),
        _ => Err(format!("`{text}` has no unit among ms, s, m, h, d")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_schedule_is_svix_s_with_eight_attempts() {
        let schedule = RetrySchedule::default();
        assert_eq!(schedule.attempts(), 8);
        let delays: Vec<_> = (0..8).map(|a| schedule.delay(a, 0.0).unwrap()).collect();
        let secs: Vec<u64> = delays.iter().map(Duration::as_secs).collect();
        assert_eq!(secs, [0, 5, 300, 1800, 7200, 18000, 36000, 36000]);
        assert_eq!(schedule.delay(8, 0.0), None);
    }

    #[test]
    fn jitter_moves_a_delay_by_at_most_twenty_percent() {
        let schedule = RetrySchedule::default();
        assert_eq!(schedule.delay(1, -1.0), Some(Duration::from_secs(4)));
        assert_eq!(schedule.delay(1, 1.0), Some(Duration::from_secs(6)));
        assert_eq!(schedule.delay(1, 7.0), Some(Duration::from_secs(6)));
        for step in -10..=10 {
            let delay = schedule.delay(2, f64::from(step) / 10.0).unwrap();
            assert!((240..=360).contains(&delay.as_secs()), "{delay:?}");
        }
        assert_eq!(schedule.delay(0, 1.0), Some(Duration::ZERO));
    }

    #[test]
    fn a_configured_schedule_parses_units_and_refuses_nonsense() {
        let schedule = RetrySchedule::parse("100ms,200ms,1s").unwrap();
        assert_eq!(schedule.attempts(), 4);
        assert_eq!(schedule.delay(3, 0.0), Some(Duration::from_secs(1)));
        assert_eq!(
            RetrySchedule::parse("5m,2h").unwrap(),
            RetrySchedule::new(vec![Duration::from_secs(300), Duration::from_secs(7200)])
        );
        assert!(RetrySchedule::parse("5 parsecs").is_err());
        assert!(RetrySchedule::parse("ms").is_err());
        assert_eq!(RetrySchedule::parse("").unwrap().attempts(), 1);
    }

    #[test]
    fn retry_after_is_read_in_seconds_or_as_a_date_and_capped_at_an_hour() {
        let now = time::macros::datetime!(2013-07-04 08:00 UTC);
        assert_eq!(retry_after("2", now), Some(Duration::from_secs(2)));
        assert_eq!(retry_after("86400", now), Some(RETRY_AFTER_CAP));
        assert_eq!(
            retry_after("Thu, 04 Jul 2013 08:00:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            retry_after("Thu, 04 Jul 2013 07:00:00 +0000", now),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after("soon", now), None);
    }
}
