//! Locale per request (R-I18N-1): the user's setting, else the language cookie, else
//! Accept-Language, else Simplified Chinese. Labels come from the fluent files in
//! `locales/`; enum codes are looked up as `<prefix>-<code>`.

use std::borrow::Cow;
use std::collections::HashMap;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader, static_loader};

static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "zh-CN",
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Locale {
    ZhCn,
    En,
}

impl Locale {
    pub fn code(self) -> &'static str {
        match self {
            Locale::ZhCn => "zh-CN",
            Locale::En => "en",
        }
    }
    pub fn parse(s: &str) -> Option<Locale> {
        let s = s.trim().to_ascii_lowercase();
        if s.starts_with("zh") {
            Some(Locale::ZhCn)
        } else if s.starts_with("en") {
            Some(Locale::En)
        } else {
            None
        }
    }
    /// The first supported language of an Accept-Language header, by preference order.
    pub fn from_accept_language(header: &str) -> Option<Locale> {
        let mut langs: Vec<(f32, &str)> = header
            .split(',')
            .filter_map(|part| {
                let mut it = part.trim().split(";q=");
                let tag = it.next()?.trim();
                let q = it.next().and_then(|q| q.trim().parse().ok()).unwrap_or(1.0);
                Some((q, tag))
            })
            .collect();
        langs.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap_or(std::cmp::Ordering::Equal));
        langs.into_iter().find_map(|(_, tag)| Locale::parse(tag))
    }
    fn id(self) -> LanguageIdentifier {
        match self {
            Locale::ZhCn => fluent_templates::langid!("zh-CN"),
            Locale::En => fluent_templates::langid!("en"),
        }
    }
    pub fn is_english(self) -> bool {
        self == Locale::En
    }
}

/// A translator for one locale, handed to every template.
#[derive(Debug, Clone, Copy)]
pub struct Tr {
    pub locale: Locale,
}

impl Tr {
    pub fn new(locale: Locale) -> Self {
        Self { locale }
    }
    /// The text of `key`; the key itself when missing (a test keeps that from happening).
    pub fn t(&self, key: &str) -> String {
        LOCALES.try_lookup(&self.locale.id(), key).unwrap_or_else(|| key.to_string())
    }
    /// The text of `key` or `None` when no such key exists.
    pub fn try_t(&self, key: &str) -> Option<String> {
        LOCALES.try_lookup(&self.locale.id(), key)
    }
    /// The text of `key` with `{ $name }` arguments.
    pub fn t_args(&self, key: &str, args: &[(&str, String)]) -> String {
        let map: HashMap<Cow<'static, str>, FluentValue> =
            args.iter().map(|(k, v)| (Cow::Owned(k.to_string()), FluentValue::from(v.clone()))).collect();
        LOCALES.try_lookup_with_args(&self.locale.id(), key, &map).unwrap_or_else(|| key.to_string())
    }
    /// The label of an enum code: `<prefix>-<code with _ as ->`.
    pub fn label(&self, prefix: &str, code: &str) -> String {
        let key = format!("{prefix}-{}", code.replace(['_', '.'], "-"));
        self.try_t(&key).unwrap_or_else(|| code.to_string())
    }
    pub fn lang(&self) -> &'static str {
        self.locale.code()
    }
    /// A region's name in this locale (with its parents), or the code when unknown.
    pub fn region(&self, code: &str) -> String {
        touchstone_domain::region::regions().path_name(code, self.locale.is_english())
    }
    /// A product category's name in this locale (the code when unknown).
    pub fn category(&self, code: &str) -> String {
        match touchstone_domain::catalogue::catalogue().get(code) {
            Some(c) if self.locale.is_english() => c.name_en.to_string(),
            Some(c) => c.name.to_string(),
            None => code.to_string(),
        }
    }
    /// A value of a change-history diff, readable: no JSON, labels for codes.
    pub fn change_value(&self, field: &str, v: &serde_json::Value) -> String {
        use serde_json::Value;
        match (field, v) {
            (_, Value::Null) => "—".into(),
            (_, Value::Bool(b)) => self.t(if *b { "yes" } else { "no" }),
            ("categories", Value::Array(items)) => {
                items.iter().filter_map(Value::as_str).map(|c| self.category(c)).collect::<Vec<_>>().join("、")
            }
            ("region_code", Value::String(s)) => self.region(s),
            ("category_code", Value::String(s)) => self.category(s),
            ("scale", Value::String(s)) => self.label("scale", s),
            ("status", Value::String(s)) => self.label("status", s),
            ("certificate_status", Value::String(s)) => self.label("cstatus", s),
            ("latitude_e6" | "longitude_e6", Value::Number(n)) => {
                n.as_i64().map(|m| format!("{:.6}", m as f64 / 1e6)).unwrap_or_default()
            }
            (_, Value::String(s)) => s.clone(),
            (_, Value::Array(items)) => items
                .iter()
                .map(|i| match i {
                    Value::Object(o) => ["name", "position", "phone"]
                        .iter()
                        .filter_map(|k| o.get(*k).and_then(Value::as_str).filter(|s| !s.is_empty()))
                        .collect::<Vec<_>>()
                        .join(" "),
                    other => self.change_value("", other),
                })
                .collect::<Vec<_>>()
                .join("；"),
            (_, other) => other.to_string(),
        }
    }
    /// A time in China's local time.
    pub fn time(&self, micros: impl Micros) -> String {
        touchstone_domain::time::Timestamp::from_micros(micros.micros()).to_china_local()
    }
    pub fn opt_time(&self, micros: impl OptMicros) -> String {
        micros.opt_micros().map(|m| self.time(m)).unwrap_or_else(|| "—".into())
    }
}

/// A time in microseconds however a template holds it (templates pass references).
pub trait Micros {
    fn micros(&self) -> i64;
}
impl Micros for i64 {
    fn micros(&self) -> i64 {
        *self
    }
}
impl<T: Micros + ?Sized> Micros for &T {
    fn micros(&self) -> i64 {
        (**self).micros()
    }
}

/// An optional time however a template holds it.
pub trait OptMicros {
    fn opt_micros(&self) -> Option<i64>;
}
impl OptMicros for Option<i64> {
    fn opt_micros(&self) -> Option<i64> {
        *self
    }
}
impl<T: OptMicros + ?Sized> OptMicros for &T {
    fn opt_micros(&self) -> Option<i64> {
        (**self).opt_micros()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn keys(text: &str) -> BTreeSet<String> {
        text.lines()
            .filter(|l| l.chars().next().is_some_and(|c| c.is_ascii_lowercase()))
            .filter_map(|l| l.split_once('=').map(|(k, _)| k.trim().to_string()))
            .collect()
    }

    #[test]
    fn every_key_exists_in_both_locales() {
        let zh = keys(include_str!("../locales/zh-CN/main.ftl"));
        let en = keys(include_str!("../locales/en/main.ftl"));
        let only_zh: Vec<_> = zh.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&zh).collect();
        assert!(only_zh.is_empty() && only_en.is_empty(), "only zh-CN: {only_zh:?}; only en: {only_en:?}");
        assert!(zh.len() > 50);
    }

    #[test]
    fn accept_language_picks_the_preferred_supported_language() {
        assert_eq!(Locale::from_accept_language("fr-FR, en;q=0.8, zh-CN;q=0.9"), Some(Locale::ZhCn));
        assert_eq!(Locale::from_accept_language("en-GB,en;q=0.9"), Some(Locale::En));
        assert_eq!(Locale::from_accept_language("de"), None);
    }

    #[test]
    fn labels_of_roles_exist_in_both_languages() {
        for role in touchstone_domain::role::Role::ALL {
            for l in [Locale::ZhCn, Locale::En] {
                let label = Tr::new(l).label("role", role.code());
                assert_ne!(label, role.code(), "{role} has no {l:?} label");
            }
        }
    }
}
