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
        approved_goals -> Nullable<Text>,
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
        actor -> Nullable<Text>,
        comment -> Nullable<Text>,
    }
}

diesel::table! {
    project_evaluations (id) {
        id -> BigInt,
        department_id -> BigInt,
        year -> Integer,
        project_code -> Text,
        status -> Text,
        version -> BigInt,
        document -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    project_evaluation_revisions (id) {
        id -> BigInt,
        project_evaluation_id -> BigInt,
        version -> BigInt,
        action -> Text,
        status -> Text,
        document -> Text,
        actor -> Nullable<Text>,
        comment -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::joinable!(project_evaluations -> departments (department_id));
diesel::joinable!(project_evaluation_revisions -> project_evaluations (project_evaluation_id));
diesel::joinable!(evaluations -> departments (department_id));
diesel::joinable!(evaluation_revisions -> evaluations (evaluation_id));
diesel::joinable!(evaluation_metrics -> evaluations (evaluation_id));

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

diesel::table! {
    year_settings (year) {
        year -> Integer,
        settings -> Text,
        updated_by -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    evaluation_metrics (evaluation_id) {
        evaluation_id -> BigInt,
        department_code -> Text,
        year -> Integer,
        status -> Text,
        basic_initial -> Nullable<BigInt>,
        basic_adjusted -> Nullable<BigInt>,
        basic_executed -> Nullable<BigInt>,
        project_initial -> Nullable<BigInt>,
        project_adjusted -> Nullable<BigInt>,
        project_executed -> Nullable<BigInt>,
        total_initial -> Nullable<BigInt>,
        total_adjusted -> Nullable<BigInt>,
        total_executed -> Nullable<BigInt>,
        execution_rate -> Nullable<BigInt>,
        adjustment_rate -> Nullable<BigInt>,
        three_public_budget -> Nullable<BigInt>,
        three_public_actual -> Nullable<BigInt>,
        three_public_prior_actual -> Nullable<BigInt>,
        authorized_staff -> Nullable<BigInt>,
        staff_on_payroll -> Nullable<BigInt>,
        staffing_control_rate -> Nullable<BigInt>,
        score -> Nullable<BigInt>,
        grade -> Nullable<Text>,
        indicators_total -> Integer,
        indicators_met -> Integer,
        findings_errors -> Integer,
        findings_warnings -> Integer,
        problems_count -> Integer,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    indicator_metrics (evaluation_id, indicator_id) {
        evaluation_id -> BigInt,
        indicator_id -> Text,
        department_code -> Text,
        year -> Integer,
        name -> Text,
        unit -> Text,
        level1 -> Text,
        met -> Nullable<Bool>,
        attainment -> Nullable<BigInt>,
        score -> Nullable<BigInt>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        at -> Timestamp,
        actor -> Nullable<Text>,
        action -> Text,
        target -> Nullable<Text>,
        address -> Nullable<Text>,
        status -> Integer,
        outcome -> Text,
        detail -> Nullable<Text>,
        occurrences -> Integer,
    }
}

diesel::table! {
    table_changes (id) {
        id -> BigInt,
        year -> Nullable<Integer>,
        department_code -> Nullable<Text>,
    }
}

diesel::table! {
    indicator_libraries (year) {
        year -> Integer,
        document -> Text,
        imported_by -> Text,
        imported_at -> Timestamp,
    }
}

diesel::table! {
    monitoring_reports (id) {
        id -> BigInt,
        department_id -> BigInt,
        year -> Integer,
        period -> Text,
        project_code -> Text,
        version -> BigInt,
        document -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(monitoring_reports -> departments (department_id));

diesel::table! {
    review_scores (id) {
        id -> BigInt,
        department_id -> BigInt,
        year -> Integer,
        version -> BigInt,
        document -> Text,
        reviewed_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        state -> Text,
        finalized_by -> Nullable<Text>,
        finalized_at -> Nullable<Timestamp>,
        reopen_reason -> Nullable<Text>,
        project_code -> Text,
    }
}

diesel::joinable!(review_scores -> departments (department_id));

diesel::table! {
    result_rules (id) {
        id -> BigInt,
        year -> Integer,
        version -> BigInt,
        document -> Text,
        set_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    rectifications (id) {
        id -> BigInt,
        department_id -> BigInt,
        year -> Integer,
        version -> BigInt,
        document -> Text,
        created_by -> Text,
        updated_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(rectifications -> departments (department_id));

diesel::table! {
    review_samples (id) {
        id -> BigInt,
        year -> Integer,
        number -> BigInt,
        seed -> BigInt,
        document -> Text,
        drawn_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    year_settings,
    evaluation_metrics,
    indicator_metrics,
    departments,
    evaluations,
    evaluation_revisions,
    project_evaluations,
    project_evaluation_revisions,
    monitoring_reports,
    review_scores,
    review_samples,
    result_rules,
    rectifications,
    users,
    service_tokens
);
