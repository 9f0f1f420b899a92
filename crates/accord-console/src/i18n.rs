//! Languages and the message catalogue: one folder per language under
//! `i18n/` (`vi/`, `en/`), one file per area of the console in each
//! (`core.ftl`, `forms.ftl`, `reports.ftl`, `audit.ftl`, `admin.ftl`,
//! `import.ftl`, `plans.ftl`; the same names in both), compiled into the binary as one
//! catalogue per language, in a subset of
//! Fluent's syntax — `key = text` lines, `#` comments, placeholders written
//! `{ $name }` — so the files stay valid Fluent should the console ever need
//! plurals or selectors.
//!
//! Every user-visible text is looked up here by key ([`Lang::t`]); data is
//! shown as recorded. Dates are written as the language writes them:
//! 04/07/2013 in Vietnamese, 4 July 2013 in English. The tests at the end
//! fail on a key used in the code or the templates but missing from either
//! catalogue, and on a key present in one catalogue only.

use std::collections::HashMap;
use std::sync::LazyLock;

use accord_domain::BusinessDate;
use time::OffsetDateTime;

/// A language of the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Tiếng Việt: the default, the language of the people the console serves.
    Vi,
    /// English.
    En,
}

type Catalogue = HashMap<&'static str, &'static str>;

/// One language's files, concatenated: a key given twice across them is an
/// error like one given twice in a file.
macro_rules! catalogue {
    ($lang:literal) => {
        concat!(
            include_str!(concat!("../i18n/", $lang, "/core.ftl")),
            "\n",
            include_str!(concat!("../i18n/", $lang, "/forms.ftl")),
            "\n",
            include_str!(concat!("../i18n/", $lang, "/reports.ftl")),
            "\n",
            include_str!(concat!("../i18n/", $lang, "/audit.ftl")),
            "\n",
            include_str!(concat!("../i18n/", $lang, "/admin.ftl")),
            "\n",
            include_str!(concat!("../i18n/", $lang, "/import.ftl")),
            "\n",
            include_str!(concat!("../i18n/", $lang, "/plans.ftl")),
        )
    };
}

static VI: LazyLock<Catalogue> =
    LazyLock::new(|| parse_catalogue(catalogue!("vi")).expect("i18n/vi/*.ftl parse"));
static EN: LazyLock<Catalogue> =
    LazyLock::new(|| parse_catalogue(catalogue!("en")).expect("i18n/en/*.ftl parse"));

/// Reads `key = text` lines; `#` starts a comment line. A line without `=`,
/// a key that is not `[A-Za-z0-9_-]+`, or a key given twice is an error
/// naming the line.
pub fn parse_catalogue(text: &'static str) -> Result<Catalogue, String> {
    let mut messages = HashMap::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            return Err(format!("line {}: no `=` in `{line}`", n + 1));
        };
        let key = key.trim();
        let well_formed = !key.is_empty()
            && key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !well_formed {
            return Err(format!("line {}: `{key}` is not a key", n + 1));
        }
        if messages.insert(key, value.trim()).is_some() {
            return Err(format!("line {}: `{key}` is given twice", n + 1));
        }
    }
    Ok(messages)
}

impl Lang {
    /// Every language, in the order the switch offers them.
    pub const ALL: [Lang; 2] = [Lang::Vi, Lang::En];

    /// The language's code, as in `?lang=` and `<html lang>`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }

    /// The language of a code (`vi`, `en`), if it is one.
    pub fn parse(code: &str) -> Option<Lang> {
        Lang::ALL.into_iter().find(|l| l.code() == code.trim())
    }

    /// The preferred language of an `Accept-Language` header among ours:
    /// the highest `q` wins, the first listed on a tie.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut best: Option<(Lang, f32)> = None;
        for item in header.split(',') {
            let mut parts = item.split(';');
            let tag = parts.next().unwrap_or("").trim();
            let primary = tag.split('-').next().unwrap_or("").to_ascii_lowercase();
            let q = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            if let Some(lang) = Lang::parse(&primary) {
                if q > 0.0 && best.is_none_or(|(_, b)| q > b) {
                    best = Some((lang, q));
                }
            }
        }
        best.map(|(lang, _)| lang)
    }

    fn catalogue(self) -> &'static Catalogue {
        match self {
            Lang::Vi => &VI,
            Lang::En => &EN,
        }
    }

    /// The message `key`; the key itself if the catalogue lacks it (the
    /// tests make sure none is lacking).
    pub fn t(self, key: &str) -> &str {
        match self.catalogue().get(key) {
            Some(text) => text,
            None => {
                tracing::warn!(
                    key,
                    lang = self.code(),
                    "message missing from the catalogue"
                );
                key
            }
        }
    }

    /// Whether the catalogue has `key` (for names made at run time that
    /// may have none, like a value a newer version introduced).
    pub fn has(self, key: &str) -> bool {
        self.catalogue().contains_key(key)
    }

    /// The message `key` with `{ $name }` replaced by `value` for each pair.
    pub fn t_with(self, key: &str, args: &[(&str, &str)]) -> String {
        let mut text = self.t(key).to_owned();
        for (name, value) in args {
            text = text.replace(&format!("{{ ${name} }}"), value);
        }
        text
    }

    /// A business date as the language writes it.
    pub fn date(self, date: BusinessDate) -> String {
        let d = date.0;
        match self {
            Lang::Vi => format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year()),
            Lang::En => format!(
                "{} {} {}",
                d.day(),
                self.t(&format!("month-{}", u8::from(d.month()))),
                d.year()
            ),
        }
    }

    /// An instant, in UTC, to the millisecond: events recorded in one
    /// session are often milliseconds apart, and the "as known at" picker
    /// must tell them apart.
    pub fn instant(self, instant: OffsetDateTime) -> String {
        let t = instant.to_offset(time::UtcOffset::UTC);
        let day = self.date(BusinessDate(t.date()));
        let clock = format!(
            "{:02}:{:02}:{:02}.{:03}",
            t.hour(),
            t.minute(),
            t.second(),
            t.millisecond()
        );
        match self {
            Lang::Vi => format!("{day} {clock} UTC"),
            Lang::En => format!("{day}, {clock} UTC"),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    use super::*;

    /// Every file of `dir` (recursively) ending with `ext`, as text.
    fn sources(dir: &Path, ext: &str, found: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).expect("a readable folder") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                sources(&path, ext, found);
            } else if path.extension().is_some_and(|e| e == ext) {
                let text = std::fs::read_to_string(&path).expect("a readable file");
                found.push((path.display().to_string(), text));
            }
        }
    }

    /// The first argument of every `.t("…")` and `.t_with("…"` call.
    fn called_keys(text: &str) -> Vec<String> {
        let mut keys = Vec::new();
        for call in [".t(\"", ".t_with(\"", ".t_with2(\""] {
            for (i, _) in text.match_indices(call) {
                let rest = &text[i + call.len()..];
                if let Some(end) = rest.find('"') {
                    keys.push(rest[..end].to_owned());
                }
            }
        }
        keys
    }

    /// Every string literal that looks like a key of a family the catalogue
    /// has (`"nav-home"`, `"sign-in-token-unknown"`): keys kept in code.
    fn literal_keys(text: &str, families: &BTreeSet<&str>) -> Vec<String> {
        text.split('"')
            .skip(1)
            .step_by(2)
            .filter(|s| {
                let is_key = s.contains('-')
                    && s.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
                is_key && s.split('-').next().is_some_and(|f| families.contains(f))
            })
            .map(str::to_owned)
            .collect()
    }

    /// The keys made at run time from a family and a value.
    fn made_keys() -> Vec<String> {
        let families: &[(&str, &[&str])] = &[
            (
                "status",
                &["pending", "active", "expired", "superseded", "terminated"],
            ),
            (
                "exchange-kind",
                &[
                    "meeting",
                    "visit",
                    "information",
                    "support",
                    "training",
                    "event",
                    "other",
                ],
            ),
            ("exchange-status", &["recorded", "corrected", "retracted"]),
            ("review-kind", &["interim", "final"]),
            ("review-status", &["open", "closed"]),
            (
                "activity-status",
                &["planned", "done", "overdue", "cancelled"],
            ),
            ("follow-up-status", &["open", "done", "overdue"]),
            ("rating", &["met", "partially_met", "not_met"]),
            (
                "party-kind",
                &[
                    "industrial_zone_authority",
                    "economic_zone_authority",
                    "agency",
                    "enterprise",
                    "other",
                ],
            ),
            ("role", &["admin", "writer", "auditor", "system"]),
            (
                "change",
                &[
                    "field",
                    "status",
                    "party_admitted",
                    "party_removed",
                    "exchange_added",
                    "exchange_removed",
                    "exchange_corrected",
                    "exchange_retracted",
                    "review_opened",
                    "review_removed",
                    "review_assessed",
                    "review_closed",
                ],
            ),
            ("event", &accord_domain::Event::TYPES),
            (
                "month",
                &[
                    "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12",
                ],
            ),
        ];
        let mut keys: Vec<String> = families
            .iter()
            .flat_map(|(family, values)| values.iter().map(move |v| format!("{family}-{v}")))
            .collect();
        for error in [
            crate::PageError::NotFound,
            crate::PageError::Forbidden,
            crate::PageError::CrossSite,
            crate::PageError::Invalid(String::new()),
            crate::PageError::Unavailable,
            crate::PageError::DiskFull,
            crate::PageError::Internal,
        ] {
            keys.push(error.key().to_owned());
            keys.push(format!("{}-detail", error.key()));
        }
        keys
    }

    #[test]
    fn the_catalogues_have_the_same_keys() {
        let vi: BTreeSet<_> = VI.keys().collect();
        let en: BTreeSet<_> = EN.keys().collect();
        let only_vi: Vec<_> = vi.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&vi).collect();
        assert!(only_vi.is_empty(), "in i18n/vi only: {only_vi:?}");
        assert!(only_en.is_empty(), "in i18n/en only: {only_en:?}");
        assert!(
            VI.values().chain(EN.values()).all(|t| !t.is_empty()),
            "an empty message"
        );
    }

    #[test]
    fn every_key_the_console_uses_is_in_both_catalogues() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        sources(&root.join("templates"), "html", &mut files);
        sources(&root.join("src"), "rs", &mut files);
        let families: BTreeSet<&str> = EN.keys().filter_map(|k| k.split('-').next()).collect();
        let mut used: BTreeSet<String> = made_keys().into_iter().collect();
        for (name, text) in &files {
            // Tests name keys that need not exist; templates' other literals are HTML.
            let code = text.split("#[cfg(test)]").next().unwrap_or(text);
            used.extend(called_keys(code));
            if name.ends_with(".rs") {
                used.extend(literal_keys(code, &families));
            }
        }
        assert!(used.len() > 150, "the scan found only {} keys", used.len());
        for (name, catalogue) in [("vi", &*VI), ("en", &*EN)] {
            let missing: Vec<_> = used
                .iter()
                .filter(|k| !catalogue.contains_key(k.as_str()))
                .collect();
            assert!(missing.is_empty(), "missing from {name}.ftl: {missing:?}");
        }
    }

    #[test]
    fn the_scan_finds_calls_and_literal_keys() {
        let families = BTreeSet::from(["nav", "sign"]);
        let text = r#"{{ ui.t("nav-home") }} ui.t_with("sign-in-x", "n", 1) "nav-parties" "x-forwarded-proto""#;
        assert_eq!(called_keys(text), ["nav-home", "sign-in-x"]);
        assert_eq!(
            literal_keys(text, &families),
            ["nav-home", "sign-in-x", "nav-parties"]
        );
    }

    #[test]
    fn a_catalogue_line_without_a_key_or_a_key_given_twice_is_refused() {
        assert!(parse_catalogue("just text").is_err());
        assert!(parse_catalogue("a = 1\na = 2").is_err());
        assert!(parse_catalogue("bad key = 1").is_err());
        let ok = parse_catalogue("# comment\n\nnav-home = Trang chủ").unwrap();
        assert_eq!(ok["nav-home"], "Trang chủ");
    }

    #[test]
    fn dates_are_written_as_each_language_writes_them() {
        let day = BusinessDate::parse("2013-07-04").unwrap();
        assert_eq!(Lang::Vi.date(day), "04/07/2013");
        assert_eq!(Lang::En.date(day), "4 July 2013");
        let instant = time::macros::datetime!(2013-07-04 08:30:00.123 UTC);
        assert_eq!(Lang::Vi.instant(instant), "04/07/2013 08:30:00.123 UTC");
        assert_eq!(Lang::En.instant(instant), "4 July 2013, 08:30:00.123 UTC");
    }

    #[test]
    fn the_preferred_language_comes_from_accept_language() {
        assert_eq!(
            Lang::from_accept_language("vi-VN,vi;q=0.9,en;q=0.8"),
            Some(Lang::Vi)
        );
        assert_eq!(Lang::from_accept_language("en-US,en;q=0.9"), Some(Lang::En));
        assert_eq!(
            Lang::from_accept_language("fr;q=1, en;q=0.5, vi;q=0.7"),
            Some(Lang::Vi)
        );
        assert_eq!(Lang::from_accept_language("fr, de"), None);
    }

    #[test]
    fn placeholders_are_filled_in() {
        assert_eq!(Lang::En.t_with("pager-page", &[("page", "2")]), "Page 2");
        assert_eq!(
            Lang::Vi.t_with("error-status", &[("status", "404")]),
            "Lỗi 404"
        );
    }
}
