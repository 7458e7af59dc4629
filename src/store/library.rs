//! 指标库 — a year's indicator library, stored as the CSV text it is imported and exported as.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::indicator_libraries;
use super::{StoreError, Transaction, UniqueRow, now};
use crate::domain::library::{self, Library};
use crate::domain::values::FiscalYear;

/// A year's own library, with who imported it and when.
#[derive(Debug, Clone)]
pub struct StoredLibrary {
    pub library: Library,
    pub imported_by: String,
    pub imported_at: NaiveDateTime,
}

impl Transaction<'_> {
    /// The library `year` imported, if it did.
    pub fn library(&mut self, year: FiscalYear) -> Result<Option<StoredLibrary>, StoreError> {
        let row: Option<(String, String, NaiveDateTime)> = indicator_libraries::table
            .filter(indicator_libraries::year.eq(year.value()))
            .select((
                indicator_libraries::document,
                indicator_libraries::imported_by,
                indicator_libraries::imported_at,
            ))
            .unique_row(self.conn)?;
        row.map(|(document, imported_by, imported_at)| {
            let library = library::parse(&document).map_err(|errors| {
                StoreError::caused(
                    format!("the indicator library of {year} does not read back"),
                    errors.to_string(),
                )
            })?;
            Ok(StoredLibrary {
                library,
                imported_by,
                imported_at,
            })
        })
        .transpose()
    }

    /// Stores `library` as `year`'s, in place of any it had.
    pub fn save_library(
        &mut self,
        year: FiscalYear,
        library: &Library,
        actor: &str,
    ) -> Result<(), StoreError> {
        let document = library::write(library);
        let at = now();
        let conn = &mut *self.conn;
        let updated = diesel::update(
            indicator_libraries::table.filter(indicator_libraries::year.eq(year.value())),
        )
        .set((
            indicator_libraries::document.eq(&document),
            indicator_libraries::imported_by.eq(actor),
            indicator_libraries::imported_at.eq(at),
        ))
        .execute(conn)?;
        if updated == 0 {
            diesel::insert_into(indicator_libraries::table)
                .values((
                    indicator_libraries::year.eq(year.value()),
                    indicator_libraries::document.eq(&document),
                    indicator_libraries::imported_by.eq(actor),
                    indicator_libraries::imported_at.eq(at),
                ))
                .execute(conn)?;
        }
        Ok(())
    }

    /// Removes `year`'s own library: the year reads the common one again. Whether there was one.
    pub fn remove_library(&mut self, year: FiscalYear) -> Result<bool, StoreError> {
        let removed = diesel::delete(
            indicator_libraries::table.filter(indicator_libraries::year.eq(year.value())),
        )
        .execute(self.conn)?;
        Ok(removed > 0)
    }
}
