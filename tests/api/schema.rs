//! `src/store/schema.rs` is written by hand for both databases: it must say what the migrations
//! make, table by table and column by column, with each column's type and whether it may be
//! NULL, on SQLite and on PostgreSQL alike.

use std::collections::BTreeMap;

use diesel::sql_types::{Integer, Text};
use diesel::{Connection, PgConnection, QueryableByName, RunQueryDsl, SqliteConnection};

use crate::helpers::spawn_app;

/// A column as the database or schema.rs describes it: its type in the database's words, and
/// whether it may hold NULL.
type Columns = BTreeMap<String, (String, bool)>;

/// The tables of `src/store/schema.rs`, with each column's diesel type.
fn declared() -> BTreeMap<String, BTreeMap<String, String>> {
    let text = include_str!("../../src/store/schema.rs");
    let mut tables = BTreeMap::new();
    for block in text.split("diesel::table! {").skip(1) {
        let body = block.split("\n}").next().unwrap_or_default();
        let mut lines = body.lines().map(str::trim).filter(|l| !l.is_empty());
        let header = lines.next().expect("a table name");
        let name = header.split_whitespace().next().expect("a name").to_owned();
        let columns = lines
            .filter_map(|line| line.trim_end_matches(',').split_once(" -> "))
            .map(|(column, kind)| (column.to_owned(), kind.to_owned()))
            .collect();
        tables.insert(name, columns);
    }
    tables
}

/// What a diesel type is called by each database, and whether it is nullable.
fn expected(kind: &str, postgres: bool) -> (String, bool) {
    let (inner, nullable) = match kind.strip_prefix("Nullable<") {
        Some(inner) => (inner.trim_end_matches('>'), true),
        None => (kind, false),
    };
    let sql = match (inner, postgres) {
        ("BigInt", false) => "BIGINT",
        ("BigInt", true) => "bigint",
        ("Integer", false) => "INTEGER",
        ("Integer", true) => "integer",
        ("Text", false) => "TEXT",
        ("Text", true) => "text",
        ("Bool", false) => "BOOLEAN",
        ("Bool", true) => "boolean",
        ("Timestamp", false) => "TIMESTAMP",
        ("Timestamp", true) => "timestamp without time zone",
        (other, _) => panic!("schema.rs uses {other}, which this test does not know"),
    };
    (sql.to_owned(), nullable)
}

#[derive(QueryableByName)]
struct SqliteColumn {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Integer)]
    not_null: i32,
    #[diesel(sql_type = Integer)]
    primary_key: i32,
}

#[derive(QueryableByName)]
struct PostgresColumn {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Text)]
    nullable: String,
}

const ROW_ID: &str = "INTEGER PRIMARY KEY";

/// The tables the migrations made, without the migration bookkeeping.
fn migrated(database_url: &str) -> (BTreeMap<String, Columns>, bool) {
    let mut tables: BTreeMap<String, Columns> = BTreeMap::new();
    let postgres = database_url.starts_with("postgres");
    if postgres {
        let mut conn = PgConnection::establish(database_url).expect("the test database");
        let rows: Vec<PostgresColumn> = diesel::sql_query(
            "SELECT table_name::text AS table_name, column_name::text AS name, \
             data_type::text AS kind, is_nullable::text AS nullable \
             FROM information_schema.columns WHERE table_schema = 'public'",
        )
        .load(&mut conn)
        .expect("the columns");
        for row in rows {
            tables
                .entry(row.table_name)
                .or_default()
                .insert(row.name, (row.kind, row.nullable == "YES"));
        }
    } else {
        let mut conn = SqliteConnection::establish(database_url).expect("the test database");
        let rows: Vec<SqliteColumn> = diesel::sql_query(
            "SELECT m.name AS table_name, c.name AS name, c.type AS kind, \
             c.\"notnull\" AS not_null, c.pk AS primary_key \
             FROM sqlite_master m JOIN pragma_table_info(m.name) c \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'",
        )
        .load(&mut conn)
        .expect("the columns");
        for row in rows {
            // `INTEGER PRIMARY KEY` is SQLite's row id: never NULL, and as wide as the values it
            // holds, so schema.rs may read it as `BigInt` (ids) or `Integer` (years).
            let (kind, nullable) = if row.primary_key == 1 && row.kind == "INTEGER" {
                (ROW_ID.to_owned(), false)
            } else {
                (row.kind, row.not_null == 0 && row.primary_key == 0)
            };
            tables
                .entry(row.table_name)
                .or_default()
                .insert(row.name, (kind, nullable));
        }
    }
    tables.remove("__diesel_schema_migrations");
    (tables, postgres)
}

#[actix_rt::test]
async fn schema_rs_says_what_the_migrations_make() {
    let app = spawn_app().await;
    let (migrated, postgres) = migrated(&app.database_url);
    let declared = declared();
    assert_eq!(
        migrated.keys().collect::<Vec<_>>(),
        declared.keys().collect::<Vec<_>>(),
        "the tables differ"
    );
    for (table, columns) in &declared {
        let made = &migrated[table];
        assert_eq!(
            made.keys().collect::<Vec<_>>(),
            columns.keys().collect::<Vec<_>>(),
            "the columns of {table} differ"
        );
        for (column, kind) in columns {
            let wanted = expected(kind, postgres);
            let found = &made[column];
            let row_id = found.0 == ROW_ID && matches!(kind.as_str(), "BigInt" | "Integer");
            assert!(
                *found == wanted || row_id,
                "{table}.{column}: schema.rs says {kind}, the migrations made {found:?}"
            );
        }
    }
}

/// The one line the two databases must say differently: a generated 64-bit id.
const SQLITE_ID: &str = "id INTEGER PRIMARY KEY,";
const POSTGRES_ID: &str = "id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,";

#[test]
fn the_sqlite_and_postgres_migrations_say_the_same_but_for_generated_ids() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let names = |backend: &str| -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(root.join(backend))
            .expect("a migrations folder")
            .map(|entry| {
                entry
                    .expect("an entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        names.sort();
        names
    };
    let migrations = names("sqlite");
    assert_eq!(migrations, names("postgres"), "the migrations differ");
    assert!(!migrations.is_empty());
    for migration in &migrations {
        for file in ["up.sql", "down.sql"] {
            let read = |backend: &str| {
                std::fs::read_to_string(root.join(backend).join(migration).join(file))
                    .unwrap_or_else(|e| panic!("{backend}/{migration}/{file}: {e}"))
            };
            assert_eq!(
                read("sqlite").replace(SQLITE_ID, POSTGRES_ID),
                read("postgres"),
                "{migration}/{file}"
            );
        }
    }
}

/// The names a `CHECK (column IN (…))` of the migrations allows, by table and column.
fn checked_names() -> BTreeMap<(String, String), Vec<String>> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite");
    let mut checked = BTreeMap::new();
    let mut folders: Vec<_> = std::fs::read_dir(root)
        .expect("a migrations folder")
        .map(|entry| entry.expect("an entry").path())
        .collect();
    folders.sort();
    for folder in folders {
        let sql = std::fs::read_to_string(folder.join("up.sql")).expect("up.sql");
        let mut table = String::new();
        for line in sql.lines() {
            if let Some(name) = line.strip_prefix("CREATE TABLE ") {
                table = name.trim_end_matches(" (").to_owned();
            }
            let Some((column, rest)) = line.trim().split_once(' ') else {
                continue;
            };
            let Some(list) = rest
                .split_once(&format!("CHECK ({column} IN ("))
                .and_then(|(_, list)| list.split_once("))"))
                .map(|(list, _)| list)
            else {
                continue;
            };
            let names = list
                .split(", ")
                .map(|name| name.trim_matches('\'').to_owned())
                .collect();
            checked.insert((table.clone(), column.to_owned()), names);
        }
    }
    checked
}

#[test]
fn the_databases_allow_exactly_the_names_of_each_enum_column() {
    use perfeval::domain::access::Role;
    use perfeval::domain::department::{FundingType, UnitKind};
    use perfeval::domain::evaluation::EvaluationStatus;
    use perfeval::domain::report::Grade;
    use perfeval::domain::review_score::ReviewState;
    let names = |all: &[&str]| all.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>();
    let states = names(&EvaluationStatus::ALL.map(EvaluationStatus::as_str));
    let expected: BTreeMap<(String, String), Vec<String>> = [
        (
            "departments",
            "kind",
            names(&UnitKind::ALL.map(UnitKind::as_str)),
        ),
        (
            "departments",
            "funding_type",
            names(&FundingType::ALL.map(FundingType::as_str)),
        ),
        ("evaluations", "status", states.clone()),
        ("evaluation_revisions", "status", states.clone()),
        ("project_evaluations", "status", states.clone()),
        ("project_evaluation_revisions", "status", states.clone()),
        ("evaluation_metrics", "status", states),
        ("users", "role", names(&Role::ALL.map(Role::as_str))),
        (
            "review_scores",
            "state",
            names(&ReviewState::ALL.map(ReviewState::as_str)),
        ),
        (
            "evaluation_metrics",
            "grade",
            names(&Grade::ALL.map(Grade::as_str)),
        ),
    ]
    .into_iter()
    .map(|(table, column, names)| ((table.to_owned(), column.to_owned()), names))
    .collect();
    assert_eq!(checked_names(), expected);
}

#[actix_rt::test]
async fn the_database_refuses_a_state_that_is_not_one() {
    let app = spawn_app().await;
    app.create_department("100", None).await;
    let insert = "INSERT INTO evaluations (department_id, year, status, version, document, \
                  created_at, updated_at) SELECT id, 2025, 'lost', 1, '{}', \
                  CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM departments WHERE code = '100'";
    let refused = if app.database_url.starts_with("postgres") {
        let mut conn = PgConnection::establish(&app.database_url).expect("the test database");
        diesel::sql_query(insert).execute(&mut conn)
    } else {
        let mut conn = SqliteConnection::establish(&app.database_url).expect("the test database");
        diesel::sql_query(insert).execute(&mut conn)
    };
    let error = refused.expect_err("an unknown state is refused");
    assert!(
        error.to_string().to_lowercase().contains("check"),
        "{error}"
    );
}
