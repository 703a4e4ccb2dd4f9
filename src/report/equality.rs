//! The return's `equality` section (PRODUCT.md 6.2): the women counted in
//! `women_supported`, by age band, ethnic group, disability and dependent
//! children. Every member of each breakdown is listed, zeros included, and
//! each breakdown adds up to `women_supported` (a woman with no answer is
//! `not_recorded`), so suppression protects each one as a breakdown of that
//! total.

use super::returns::Breakdown;
use super::suppress::Count;
use crate::db::equality::Answers;
use crate::db::report::Scope;
use chrono::Datelike;
use serde::Serialize;

pub const NOT_RECORDED: &str = "not_recorded";

pub const AGE_BANDS: &[&str] = &["under_18", "18_24", "25_34", "35_44", "45_54", "55_64", "65_plus", NOT_RECORDED];
pub const ETHNIC_GROUPS: &[&str] = &["asian", "black", "mixed", "white", "other", "prefer_not_to_say", NOT_RECORDED];
pub const DISABILITY: &[&str] = &["yes", "no", "prefer_not_to_say", NOT_RECORDED];
pub const CHILDREN: &[&str] = &["yes", "no", NOT_RECORDED];

/// The four breakdowns, in the order of the JSON.
pub const BREAKDOWNS: &[(&str, &[&str])] = &[
    ("by_age_band", AGE_BANDS),
    ("by_ethnic_group", ETHNIC_GROUPS),
    ("by_disability", DISABILITY),
    ("with_dependent_children", CHILDREN),
];

/// The age band of a woman born in `birth_year`, at the year `year` (the
/// year of the period's last day): age = year − birth year.
pub fn age_band(birth_year: Option<i64>, year: i64) -> &'static str {
    let Some(b) = birth_year else { return NOT_RECORDED };
    match year - b {
        a if a < 18 => "under_18",
        18..=24 => "18_24",
        25..=34 => "25_34",
        35..=44 => "35_44",
        45..=54 => "45_54",
        55..=64 => "55_64",
        _ => "65_plus",
    }
}

/// The ONS 2021 high-level group of a stored detailed code
/// (`asian_indian` → `asian`, `other_arab` → `other`).
pub fn ethnic_group(code: Option<&str>) -> &'static str {
    match code {
        None => NOT_RECORDED,
        Some("prefer_not_to_say") => "prefer_not_to_say",
        Some(c) => ["asian", "black", "mixed", "white", "other"]
            .into_iter()
            .find(|g| c.starts_with(&format!("{g}_")))
            .unwrap_or("other"),
    }
}

pub fn disability(answer: Option<&str>) -> &'static str {
    match answer {
        Some("yes") => "yes",
        Some("no") => "no",
        Some("prefer_not_to_say") => "prefer_not_to_say",
        _ => NOT_RECORDED,
    }
}

pub fn children(n: Option<i64>) -> &'static str {
    match n {
        None => NOT_RECORDED,
        Some(0) => "no",
        Some(_) => "yes",
    }
}

/// The member of breakdown `which` a woman falls in.
pub fn member(which: &str, a: &Answers, year: i64) -> &'static str {
    match which {
        "by_age_band" => age_band(a.birth_year, year),
        "by_ethnic_group" => ethnic_group(a.ethnicity.as_deref()),
        "by_disability" => disability(a.disability.as_deref()),
        _ => children(a.dependent_children),
    }
}

/// The `equality` section.
#[derive(Debug, Clone, Serialize)]
pub struct Equality {
    pub by_age_band: Breakdown,
    pub by_ethnic_group: Breakdown,
    pub by_disability: Breakdown,
    pub with_dependent_children: Breakdown,
}

impl Equality {
    pub fn breakdowns(&self) -> [(&'static str, &Breakdown); 4] {
        [
            ("by_age_band", &self.by_age_band),
            ("by_ethnic_group", &self.by_ethnic_group),
            ("by_disability", &self.by_disability),
            ("with_dependent_children", &self.with_dependent_children),
        ]
    }

    pub fn breakdowns_mut(&mut self) -> [&mut Breakdown; 4] {
        [&mut self.by_age_band, &mut self.by_ethnic_group, &mut self.by_disability, &mut self.with_dependent_children]
    }
}

/// Count the section.
pub fn tally(women: &[Answers], scope: &Scope) -> Equality {
    let year = i64::from(scope.to.0.year());
    let count = |which: &str, members: &[&str]| {
        Breakdown(
            members
                .iter()
                .map(|m| {
                    (m.to_string(), Count::Value(women.iter().filter(|a| member(which, a, year) == *m).count() as i64))
                })
                .collect(),
        )
    };
    Equality {
        by_age_band: count("by_age_band", AGE_BANDS),
        by_ethnic_group: count("by_ethnic_group", ETHNIC_GROUPS),
        by_disability: count("by_disability", DISABILITY),
        with_dependent_children: count("with_dependent_children", CHILDREN),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_and_groups() {
        assert_eq!(age_band(Some(2004), 2021), "under_18");
        assert_eq!(age_band(Some(2003), 2021), "18_24");
        assert_eq!(age_band(Some(1997), 2021), "18_24");
        assert_eq!(age_band(Some(1996), 2021), "25_34");
        assert_eq!(age_band(Some(1957), 2021), "55_64");
        assert_eq!(age_band(Some(1956), 2021), "65_plus");
        assert_eq!(age_band(None, 2021), "not_recorded");
        assert_eq!(ethnic_group(Some("asian_indian")), "asian");
        assert_eq!(ethnic_group(Some("white_gypsy_irish_traveller")), "white");
        assert_eq!(ethnic_group(Some("mixed_white_black_african")), "mixed");
        assert_eq!(ethnic_group(Some("other_arab")), "other");
        assert_eq!(ethnic_group(Some("prefer_not_to_say")), "prefer_not_to_say");
        assert_eq!(ethnic_group(None), "not_recorded");
        assert_eq!(children(Some(0)), "no");
        assert_eq!(children(Some(3)), "yes");
    }
}
