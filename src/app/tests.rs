//! The use cases against a real store (a SQLite file of their own): the caller's right is
//! checked before anything is loaded or read, a change writes its audit entry with it, a
//! refused change leaves only its refusal, and an edit that changes nothing stores nothing.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::audit::{Answered, AuditPolicy, Trail};
use super::evaluations::{Edit, EvaluationKey, edit};
use super::{AppError, Store, Window};
use crate::domain::access::{Caller, Credential, Role};
use crate::domain::evaluation::{Change, Precondition};
use crate::domain::settings::YearSettings;
use crate::domain::values::FiscalYear;

/// A migrated store on a file of its own, with the departments 100 and 200.
fn store(name: &str) -> Store {
    let path = std::env::temp_dir().join(format!("perfeval_app_{name}_{}.db", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let store = Store::connect(&path.to_string_lossy(), 2, Duration::from_secs(5));
    store.migrate().expect("the schema");
    for code in ["100", "200"] {
        let department = serde_json::from_value(
            serde_json::json!({"code": code, "name": format!("单位{code}"), "kind": "administrative"}),
        )
        .expect("a department");
        store.create_department(department, None).expect("stored");
    }
    store
}

fn caller(role: Role, department: Option<&str>) -> Caller {
    Caller {
        subject: format!("{role}-caller"),
        role,
        department: department.map(|code| code.parse().expect("a code")),
        credential: Credential::Login,
    }
}

fn trail() -> Trail {
    Trail {
        policy: AuditPolicy::new(30),
        address: Some("127.0.0.1".to_owned()),
        target: "/api/v1/test".to_owned(),
        answered: |error| match error {
            AppError::Forbidden(_) => 403,
            AppError::NotFound(_) => 404,
            _ => 400,
        },
    }
}

fn key(code: &str) -> EvaluationKey {
    EvaluationKey {
        code: code.parse().expect("a code"),
        year: FiscalYear::try_from(2021).expect("a year"),
    }
}

/// The log, oldest first: (action, outcome, status, detail).
fn log(store: &Store) -> Vec<(String, String, i32, Option<String>)> {
    let window = Window {
        limit: 500,
        offset: 0,
    };
    let page = store
        .read_transaction(|tx| tx.audit_log(window))
        .expect("the log");
    page.items
        .into_iter()
        .rev()
        .map(|e| (e.action, e.outcome, e.status, e.detail))
        .collect()
}

#[derive(Debug, thiserror::Error)]
#[error("refused by the edit")]
struct Refused;

#[test]
fn a_caller_without_the_right_is_refused_before_its_input_or_the_report_is_looked_at() {
    let store = store("order");
    let looked = AtomicBool::new(false);
    let other_unit = caller(Role::Unit, Some("200"));
    let analyst = caller(Role::Analyst, None);
    for (who, expected) in [(&other_unit, "not found"), (&analyst, "forbidden")] {
        let refused = edit(
            &store,
            &trail(),
            who,
            &key("100"),
            Precondition::None,
            Edit::named("replace"),
            Err::<(), _>(AppError::Invalid(Box::new(Refused))),
            |_, ()| {
                looked.store(true, Ordering::SeqCst);
                Ok::<_, Refused>(())
            },
        )
        .expect_err("refused");
        let kind = match refused {
            AppError::NotFound(_) => "not found",
            AppError::Forbidden(_) => "forbidden",
            _ => "something else",
        };
        assert_eq!(kind, expected, "{who:?}");
    }
    assert!(!looked.load(Ordering::SeqCst));
    let statuses: Vec<i32> = log(&store).iter().map(|entry| entry.2).collect();
    assert_eq!(statuses, [404, 403]);
}

#[test]
fn an_edit_writes_one_entry_and_the_same_edit_again_stores_nothing_but_its_entry() {
    let store = store("unchanged");
    let admin = caller(Role::Admin, None);
    let replace = |store: &Store| {
        edit(
            store,
            &trail(),
            &admin,
            &key("100"),
            Precondition::None,
            Edit::named("replace_other_matters"),
            Ok("其他说明".to_owned()),
            |report, text| {
                report.other_matters = Some(text.clone());
                Ok::<_, Refused>(())
            },
        )
        .expect("stored")
    };
    let first = replace(&store);
    let again = replace(&store);
    assert_eq!(
        (first.change, again.change),
        (Change::Created, Change::Unchanged)
    );
    assert_eq!(
        again.evaluation.summary.version,
        first.evaluation.summary.version
    );
    let action = "evaluation.replace_other_matters".to_owned();
    let succeeded = "succeeded".to_owned();
    assert_eq!(
        log(&store),
        [
            (
                action.clone(),
                succeeded.clone(),
                201,
                Some("version 1".to_owned())
            ),
            (action, succeeded, 200, Some("nothing changed".to_owned())),
        ]
    );
}

#[test]
fn a_change_refused_after_it_wrote_is_rolled_back_with_its_entry_and_recorded_as_refused() {
    let store = store("rollback");
    let admin = caller(Role::Admin, None);
    let year = FiscalYear::try_from(2021).expect("a year");
    let mut settings = YearSettings::default();
    settings.weights.output = settings.weights.effect;
    let done: Result<(), AppError> = trail().change(
        &store,
        &admin,
        "year_settings.update",
        &"the settings",
        |tx| {
            tx.save_year_settings(year, &settings, "admin")?;
            Err(AppError::Forbidden("refused after the write".to_owned()))
        },
        |()| (Answered::Done, None),
    );
    assert!(matches!(done, Err(AppError::Forbidden(_))));
    let stored = store
        .read_transaction(|tx| tx.year_settings(year))
        .expect("the settings");
    assert_eq!(stored, YearSettings::default());
    assert_eq!(
        log(&store),
        [(
            "year_settings.update".to_owned(),
            "refused".to_owned(),
            403,
            None
        )]
    );
}

#[test]
fn result_application_refuses_a_caller_without_the_right_before_its_input() {
    use super::result_application::{answer_rectification, set_rules};
    let store = store("results");
    let year = FiscalYear::try_from(2021).expect("a year");
    let unit = caller(Role::Unit, Some("100"));
    let other_unit = caller(Role::Unit, Some("200"));
    let rules = set_rules(
        &store,
        &trail(),
        &unit,
        year,
        Precondition::None,
        Err(AppError::Invalid(Box::new(Refused))),
    )
    .expect_err("refused");
    assert!(matches!(rules, AppError::Forbidden(_)), "{rules:?}");
    let answered = answer_rectification(
        &store,
        &trail(),
        &other_unit,
        &"100".parse().expect("a code"),
        year,
        1,
        Precondition::None,
        Err(AppError::Invalid(Box::new(Refused))),
    )
    .expect_err("refused");
    assert!(matches!(answered, AppError::NotFound(_)), "{answered:?}");
    let recorded: Vec<(String, i32)> = log(&store)
        .into_iter()
        .map(|(action, _, status, _)| (action, status))
        .collect();
    assert_eq!(
        recorded,
        [
            ("result_rules.set".to_owned(), 403),
            ("rectification.answer".to_owned(), 404)
        ]
    );
}

#[test]
fn a_write_that_lost_a_race_is_tried_again_from_a_fresh_transaction_and_leaves_only_its_win() {
    let store = store("race");
    let department: crate::domain::department::Department = serde_json::from_value(
        serde_json::json!({"code": "300", "name": "单位300", "kind": "administrative"}),
    )
    .expect("a department");
    let mut attempts = 0;
    let stored = super::retrying(&store, &"department 300", |tx| {
        attempts += 1;
        // A lost attempt's insert must be gone, or the next one meets it as a duplicate.
        tx.insert_department(&department)?;
        if attempts < 3 {
            // What the store answers when another writer took the row between read and write.
            return Err(AppError::Store(super::StoreError::Contended));
        }
        Ok(attempts)
    })
    .expect("won on the third attempt");
    assert_eq!(stored, 3);
    let code = "300".parse().expect("a code");
    let kept = store
        .read_transaction(|tx| tx.department(&code))
        .expect("the department");
    assert_eq!(kept.department.name.as_str(), "单位300");
}

#[test]
fn a_race_lost_every_time_gives_up_after_the_policy_and_other_errors_are_not_tried_again() {
    let mut attempts = 0;
    let lost: Result<(), AppError> = super::retry(&"a contended write", || {
        attempts += 1;
        Err(AppError::Store(super::StoreError::Contended))
    });
    assert!(matches!(
        lost,
        Err(AppError::Store(super::StoreError::Contended))
    ));
    assert_eq!(attempts, super::WRITE_ATTEMPTS);
    let mut attempts = 0;
    let refused: Result<(), AppError> = super::retry(&"a refused write", || {
        attempts += 1;
        Err(AppError::Forbidden("no".to_owned()))
    });
    assert!(matches!(refused, Err(AppError::Forbidden(_))));
    assert_eq!(attempts, 1);
}
