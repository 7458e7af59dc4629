//! Who is asking, and what each role may do.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;
use utoipa::ToSchema;

use super::invalid::{Invalid, TextForm, deserialize_through};
use super::names::named_enum;
use super::values::UnitCode;

named_enum! {
    /// 角色 — what a user may do.
    pub enum Role {
        /// 管理员 — users, departments, year settings, everything.
        Admin = "admin",
        /// 财政局审核员 — reads everything; returns, accepts and publishes evaluations.
        Reviewer = "reviewer",
        /// 分析员 — reads everything, comparisons and exports; writes nothing.
        Analyst = "analyst",
        /// 单位填报员 — bound to one department: its evaluations and those of its subordinate units.
        Unit = "unit",
    }
}

/// 用户名 — 1 to 64 letters, digits, `.`, `_`, `-` or `@`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, ToSchema)]
#[serde(into = "String")]
#[schema(value_type = String, example = "zhang.wei", pattern = r"^[0-9A-Za-z._@-]{1,64}$")]
pub struct Username(String);

impl Username {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Username {
    type Err = Invalid;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let well_formed = (1..=64).contains(&text.len())
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'@'));
        if well_formed {
            Ok(Self(text.to_owned()))
        } else {
            Err(Invalid::Malformed {
                text: text.to_owned(),
                form: TextForm::Username,
            })
        }
    }
}

impl TryFrom<String> for Username {
    type Error = Invalid;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl From<Username> for String {
    fn from(name: Username) -> Self {
        name.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A password as a user chose it: 10 to 256 characters. Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

// By hand: the derive cannot give a newtype's text its lengths.
impl utoipa::PartialSchema for Password {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Password)))
            .description(Some(
                "A password as a user chose it: 10 to 256 characters. Never printed.",
            ))
            .min_length(Some(Self::MIN_CHARS))
            .max_length(Some(Self::MAX_CHARS))
            .into()
    }
}

impl ToSchema for Password {}

impl Password {
    pub const MIN_CHARS: usize = 10;
    pub const MAX_CHARS: usize = 256;

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Password {
    type Error = Invalid;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        let length = text.chars().count();
        if (Self::MIN_CHARS..=Self::MAX_CHARS).contains(&length) {
            Ok(Self(text))
        } else {
            Err(Invalid::Length {
                min: Self::MIN_CHARS,
                max: Self::MAX_CHARS,
            })
        }
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(…)")
    }
}

/// How a caller proved who it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Credential {
    /// A token this service issued at login.
    Login,
    /// A service token of a unit's system.
    ServiceToken,
    /// A token signed by the bureau's portal.
    Portal,
}

/// The authenticated caller of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Caller {
    /// Who is acting, as the history records it: the user name, `portal:<sub>` for a portal
    /// token (so that the portal's users never pass for local ones), or `service-token:<id>`.
    pub subject: String,
    pub role: Role,
    /// For the unit role: the department it is bound to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub department: Option<UnitCode>,
    pub credential: Credential,
}

impl Caller {
    /// Admins, reviewers and analysts read every unit's data.
    pub fn reads_everything(&self) -> bool {
        self.role != Role::Unit
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// The department whose subtree a unit caller is confined to; `None` for bureau roles.
    pub fn unit_scope(&self) -> Option<&UnitCode> {
        match self.role {
            Role::Unit => self.department.as_ref(),
            _ => None,
        }
    }
}

deserialize_through!(String => Username, Password);
