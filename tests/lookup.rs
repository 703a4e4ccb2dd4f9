//! One lookup per entity, one wording for what is not recorded (issue 17):
//! `no <entity> <how it is named> '<given>'` and a hint, the same from every
//! command and import.

mod common;

use common::Pathway;

#[test]
fn an_unknown_decision_grant_or_organisation_is_named_in_one_wording() {
    let p = Pathway::examples();
    assert_eq!(
        p.fails(&["decision", "show", "2021.012"], 65),
        "pathway: no decision with ref '2021.012'; did you mean '2021.021'?\n"
    );
    assert_eq!(
        p.fails(&["grant", "show", "2021.021-9"], 65),
        "pathway: no grant with ref '2021.021-9'; did you mean '2021.021-1'?\n"
    );
    // The same grant message from `service --grant`, with its option named.
    assert_eq!(
        p.fails(&["service", "add", "Beth Centre Online", "--provider", "Beth Centre", "--grant", "2021.021-9"], 65),
        "pathway: --grant: no grant with ref '2021.021-9'; did you mean '2021.021-1'?\n"
    );
    assert_eq!(
        p.fails(&["decision", "list", "--commissioner", "Nottinghamshire OPC"], 65),
        "pathway: no commissioner called 'Nottinghamshire OPC'; did you mean 'Nottinghamshire OPCC'?\n"
    );
}

#[test]
fn an_unknown_grant_in_an_empty_database_says_none_are_recorded() {
    let p = Pathway::new();
    let hint = " (no grants are recorded yet; add it with `pathway grant add`)\n";
    assert_eq!(p.fails(&["grant", "show", "2021.021-1"], 65), format!("pathway: no grant with ref '2021.021-1'{hint}"));
    assert_eq!(
        p.fails(&["service", "add", "Beth Centre", "--provider", "Beth Centre", "--grant", "2021.021-1"], 65),
        format!("pathway: --grant: no grant with ref '2021.021-1'{hint}")
    );
}

#[test]
fn an_unknown_referral_is_named_by_its_ref_or_its_id() {
    let p = Pathway::examples();
    assert_eq!(p.fails(&["referral", "show", "R-2104-9999"], 65), "pathway: no referral with ref 'R-2104-9999'\n");
    assert_eq!(p.fails(&["referral", "show", "#9999"], 65), "pathway: no referral #9999\n");
}

#[test]
fn an_unknown_case_reads_the_same_from_a_command_and_an_import() {
    let p = Pathway::examples();
    let hint = "; `pathway caseload list` shows the cases (a case without a ref is #<id>)";
    assert_eq!(
        p.fails(&["caseload", "close", "C-9999", "--closed", "2021-09-30", "--outcome", "positive"], 65),
        format!("pathway: no case 'C-9999'{hint}\n")
    );
    std::fs::write(
        p.dir.path().join("t.csv"),
        "ref,client_ref,service,opened_on,from_on,tier\nC-9999,,,,2021-05-01,T2\n",
    )
    .unwrap();
    let err = p.fails(&["caseload", "import", "--tiers", "t.csv"], 65);
    assert!(err.ends_with(&format!("t.csv:2: ref: no case 'C-9999'{hint}\n")), "{err}");
}

#[test]
fn an_unknown_worker_is_named_in_one_wording_with_or_without_workers() {
    let p = Pathway::new();
    let none =
        "pathway: no worker with code 'KW01' (none are recorded yet); add workers with `pathway caseload worker add`\n";
    assert_eq!(p.fails(&["caseload", "worker", "edit", "KW01", "--capacity", "30"], 65), none);
    p.ok(&["caseload", "worker", "add", "--code", "KW06"]);
    assert_eq!(
        p.fails(&["caseload", "worker", "edit", "KW6", "--capacity", "30"], 65),
        "pathway: no worker with code 'KW6'; did you mean 'KW06'?\n"
    );
}
