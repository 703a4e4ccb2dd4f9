//! The closed sets of the domain, each with its lower_snake_case names (used
//! in files, JSON and the database) and a friendlier label for tables.

use serde::{Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not a {what}; use one of: {accepted}")]
pub struct NameError {
    pub value: String,
    pub what: &'static str,
    pub accepted: String,
}

macro_rules! closed_set {
    ($(#[$m:meta])* $name:ident, $what:literal { $($var:ident = $text:literal / $label:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name { $($var),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$var),+];
            pub const WHAT: &'static str = $what;

            pub fn as_str(self) -> &'static str {
                match self { $($name::$var => $text),+ }
            }

            pub fn label(self) -> &'static str {
                match self { $($name::$var => $label),+ }
            }

            pub fn names() -> String {
                [$($text),+].join(", ")
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = NameError;
            fn from_str(s: &str) -> Result<$name, NameError> {
                let t = s.trim();
                $(if t.eq_ignore_ascii_case($text) { return Ok($name::$var); })+
                // Friendlier spellings: "Liaison and diversion", "no-contact".
                let folded: String = t.chars().map(|c| if c == ' ' || c == '-' { '_' } else { c.to_ascii_lowercase() }).collect();
                $(if folded == $text || folded == $label.to_ascii_lowercase().replace(' ', "_") { return Ok($name::$var); })+
                Err(NameError { value: s.to_string(), what: $what, accepted: $name::names() })
            }
        }
    };
}

closed_set!(
    /// Who referred a woman to a service.
    Source, "referral source" {
        Police = "police" / "Police",
        Probation = "probation" / "Probation",
        Crc = "crc" / "CRC",
        LiaisonDiversion = "liaison_diversion" / "Liaison and diversion",
        Court = "court" / "Court",
        SelfReferral = "self" / "Self-referral",
        Gp = "gp" / "GP",
        SocialCare = "social_care" / "Social care",
        Housing = "housing" / "Housing",
        Other = "other" / "Other",
    }
);

closed_set!(
    /// A need recorded on a referral; stored as bit `index` of referrals.needs.
    Need, "need" {
        MentalHealth = "mental_health" / "Mental health",
        SubstanceMisuse = "substance_misuse" / "Substance misuse",
        Alcohol = "alcohol" / "Alcohol",
        DomesticAbuse = "domestic_abuse" / "Domestic abuse",
        Housing = "housing" / "Housing",
        Debt = "debt" / "Debt",
        LearningDisability = "learning_disability" / "Learning disability",
        Children = "children" / "Children",
        Employment = "employment" / "Employment",
        SexWork = "sex_work" / "Sex work",
        Other = "other" / "Other",
    }
);

closed_set!(
    /// What became of a referral.
    ReferralOutcome, "referral outcome" {
        Accepted = "accepted" / "Accepted",
        Declined = "declined" / "Declined",
        NoContact = "no_contact" / "No contact",
        Engaged = "engaged" / "Engaged",
        Closed = "closed" / "Closed",
    }
);

closed_set!(
    /// DASH domestic-abuse risk level.
    Risk, "DASH risk level" {
        Standard = "standard" / "Standard",
        Medium = "medium" / "Medium",
        High = "high" / "High",
    }
);

closed_set!(
    /// How a closed case ended.
    CaseOutcome, "case outcome" {
        Positive = "positive" / "Positive",
        Neutral = "neutral" / "Neutral",
        Negative = "negative" / "Negative",
    }
);

closed_set!(
    /// Where a decision is in its lifecycle.
    DecisionStatus, "decision status" {
        Draft = "draft" / "Draft",
        Submitted = "submitted" / "Submitted",
        Approved = "approved" / "Approved",
        Rejected = "rejected" / "Rejected",
        Withdrawn = "withdrawn" / "Withdrawn",
    }
);

closed_set!(
    /// Revenue or capital spending.
    SpendType, "spend type" {
        Revenue = "revenue" / "Revenue",
        Capital = "capital" / "Capital",
        Both = "both" / "Both",
    }
);

closed_set!(
    /// Where a grant is in its life.
    GrantStatus, "grant status" {
        Active = "active" / "Active",
        Completed = "completed" / "Completed",
        Cancelled = "cancelled" / "Cancelled",
    }
);

closed_set!(
    /// The role an organisation plays.
    OrgKind, "kind of organisation" {
        Commissioner = "commissioner" / "Commissioner",
        Provider = "provider" / "Provider",
        Partner = "partner" / "Partner",
    }
);

closed_set!(
    /// What kind of service.
    ServiceKind, "kind of service" {
        Hub = "hub" / "Hub",
        Spoke = "spoke" / "Spoke",
        Outreach = "outreach" / "Outreach",
        Other = "other" / "Other",
    }
);

closed_set!(
    /// Measures that targets are set for.
    Measure, "target measure" {
        Referrals = "referrals" / "Referrals",
        WomenSupported = "women_supported" / "Women supported",
        PositiveOutcomes = "positive_outcomes" / "Positive outcomes",
        WomenProgressed = "women_progressed" / "Women progressed",
        Completions = "completions" / "Completions",
    }
);

closed_set!(
    /// Disability, as self-declared for equality monitoring.
    Disability, "disability answer" {
        Yes = "yes" / "Yes",
        No = "no" / "No",
        PreferNotToSay = "prefer_not_to_say" / "Prefer not to say",
    }
);

closed_set!(
    /// Ethnic group, ONS 2021 census categories for England and Wales.
    Ethnicity, "ethnic group (ONS 2021 categories)" {
        AsianBangladeshi = "asian_bangladeshi" / "Asian: Bangladeshi",
        AsianChinese = "asian_chinese" / "Asian: Chinese",
        AsianIndian = "asian_indian" / "Asian: Indian",
        AsianPakistani = "asian_pakistani" / "Asian: Pakistani",
        AsianOther = "asian_other" / "Asian: other",
        BlackAfrican = "black_african" / "Black: African",
        BlackCaribbean = "black_caribbean" / "Black: Caribbean",
        BlackOther = "black_other" / "Black: other",
        MixedWhiteAsian = "mixed_white_asian" / "Mixed: White and Asian",
        MixedWhiteBlackAfrican = "mixed_white_black_african" / "Mixed: White and Black African",
        MixedWhiteBlackCaribbean = "mixed_white_black_caribbean" / "Mixed: White and Black Caribbean",
        MixedOther = "mixed_other" / "Mixed: other",
        WhiteBritish = "white_british" / "White: British",
        WhiteIrish = "white_irish" / "White: Irish",
        WhiteGypsyIrishTraveller = "white_gypsy_irish_traveller" / "White: Gypsy or Irish Traveller",
        WhiteRoma = "white_roma" / "White: Roma",
        WhiteOther = "white_other" / "White: other",
        OtherArab = "other_arab" / "Other: Arab",
        OtherAny = "other_any" / "Other: any other",
        PreferNotToSay = "prefer_not_to_say" / "Prefer not to say",
    }
);

closed_set!(
    /// The resettlement pathways an assessment is on: the Ministry of
    /// Justice's seven reducing-reoffending pathways and the two added for
    /// women (PRODUCT.md 6.2).
    Pathway, "pathway" {
        Accommodation = "accommodation" / "Accommodation",
        EducationTrainingEmployment = "education_training_employment" / "Education, training and employment",
        Health = "health" / "Health",
        DrugsAlcohol = "drugs_alcohol" / "Drugs and alcohol",
        FinanceBenefitDebt = "finance_benefit_debt" / "Finance, benefit and debt",
        ChildrenFamilies = "children_families" / "Children and families",
        AttitudesThinkingBehaviour = "attitudes_thinking_behaviour" / "Attitudes, thinking and behaviour",
        Abuse = "abuse" / "Abuse",
        SexWork = "sex_work" / "Sex work",
    }
);

closed_set!(
    /// Where in a case an assessment was made.
    Stage, "assessment stage" {
        Start = "start" / "Start",
        Review = "review" / "Review",
        Exit = "exit" / "Exit",
    }
);

impl Need {
    /// The bit of referrals.needs that this need occupies (schema.sql `needs`).
    pub fn bit(self) -> u32 {
        Need::ALL.iter().position(|n| *n == self).expect("listed") as u32
    }
}

/// A set of needs, stored as a bit mask (bit = position in `Need::ALL`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Needs(pub u16);

impl Needs {
    pub fn contains(self, n: Need) -> bool {
        self.0 & (1 << n.bit()) != 0
    }

    pub fn insert(&mut self, n: Need) {
        self.0 |= 1 << n.bit();
    }

    pub fn iter(self) -> impl Iterator<Item = Need> {
        Need::ALL.iter().copied().filter(move |n| self.contains(*n))
    }

    /// `mental_health;housing`: the form used in files.
    pub fn joined(self) -> String {
        self.iter().map(Need::as_str).collect::<Vec<_>>().join(";")
    }
}

impl FromStr for Needs {
    type Err = NameError;

    /// `;`-separated names; empty means none. Repeats are harmless.
    fn from_str(s: &str) -> Result<Needs, NameError> {
        let mut needs = Needs::default();
        for part in s.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            needs.insert(part.parse()?);
        }
        Ok(needs)
    }
}

impl Serialize for Needs {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_and_print() {
        assert_eq!("police".parse::<Source>(), Ok(Source::Police));
        assert_eq!("Liaison and diversion".parse::<Source>(), Ok(Source::LiaisonDiversion));
        assert_eq!("No contact".parse::<ReferralOutcome>(), Ok(ReferralOutcome::NoContact));
        assert_eq!(Source::SelfReferral.as_str(), "self");
        for s in Source::ALL {
            assert_eq!(s.as_str().parse::<Source>(), Ok(*s));
        }
    }

    #[test]
    fn unknown_names_list_the_accepted_ones() {
        let e = "polise".parse::<Source>().unwrap_err().to_string();
        assert_eq!(e, "\"polise\" is not a referral source; use one of: police, probation, crc, liaison_diversion, court, self, gp, social_care, housing, other");
    }

    #[test]
    fn need_bits_match_schema() {
        // schema.sql inserts needs (bit, name) in this order.
        let schema = include_str!("../../schema.sql");
        for n in Need::ALL {
            assert!(schema.contains(&format!("({}, '{}')", n.bit(), n.as_str())), "{n}");
        }
    }

    #[test]
    fn needs_sets() {
        let n: Needs = "mental_health; housing;mental_health".parse().unwrap();
        assert_eq!(n.joined(), "mental_health;housing");
        assert_eq!("".parse::<Needs>().unwrap(), Needs(0));
        assert!("housing;flying".parse::<Needs>().is_err());
    }

    #[test]
    fn closed_sets_match_schema_checks() {
        let schema = include_str!("../../schema.sql");
        let all: Vec<&str> = Source::ALL
            .iter()
            .map(|s| s.as_str())
            .chain(ReferralOutcome::ALL.iter().map(|s| s.as_str()))
            .chain(Ethnicity::ALL.iter().map(|s| s.as_str()))
            .chain(DecisionStatus::ALL.iter().map(|s| s.as_str()))
            .collect();
        for name in all {
            assert!(schema.contains(&format!("'{name}'")), "{name} missing from schema.sql");
        }
    }
}
