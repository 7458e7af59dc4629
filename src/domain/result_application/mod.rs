//! 评价结果应用 — what follows the year's scores: the bureau's result rules (grade bands and
//! what each grade means for next year's budget), rectification items (整改) that follow a
//! problem into the next year, and the year's notice (通报). Each is an aggregate of its own;
//! the notice is computed from the others and rendered apart (`presentation::notice`).

pub mod notice;
pub mod rectification;
pub mod rules;
