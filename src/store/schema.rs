//! The tables, written by hand for both backends: only types that SQLite and PostgreSQL share.

diesel::table! {
    departments (id) {
        id -> BigInt,
        code -> Text,
        name -> Text,
        kind -> Text,
        funding_type -> Nullable<Text>,
        parent_code -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    evaluations (id) {
        id -> BigInt,
        department_id -> BigInt,
        year -> Integer,
        status -> Text,
        version -> BigInt,
        document -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    evaluation_revisions (id) {
        id -> BigInt,
        evaluation_id -> BigInt,
        version -> BigInt,
        action -> Text,
        status -> Text,
        document -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(evaluations -> departments (department_id));
diesel::joinable!(evaluation_revisions -> evaluations (evaluation_id));

diesel::table! {
    users (id) {
        id -> BigInt,
        username -> Text,
        password_hash -> Text,
        role -> Text,
        department_code -> Nullable<Text>,
        disabled -> Bool,
        token_generation -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    service_tokens (id) {
        id -> BigInt,
        name -> Text,
        department_code -> Text,
        token_hash -> Text,
        created_by -> Text,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    departments,
    evaluations,
    evaluation_revisions,
    users,
    service_tokens
);
