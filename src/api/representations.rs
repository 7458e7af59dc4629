//! 文件形式 — a table's CSV and XLSX as paths of their own (`…/departments.csv`,
//! `…/departments.xlsx`), as the document states them (see `openapi::file_operations`):
//! each is answered by the table's own handler, as if `?format=` had asked for it.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Uri;
use actix_web::middleware::Next;
use actix_web::web;

use super::openapi::{FILE_SUFFIXES, takes_format};

/// The documented file paths of tables: the table's path template (by segment), the suffix
/// and the format it stands for.
pub struct FileRoutes(Vec<(Vec<String>, &'static str, &'static str)>);

impl FileRoutes {
    pub fn of(openapi: &utoipa::openapi::OpenApi) -> Self {
        let paths = &openapi.paths.paths;
        // A table: a path whose GET takes `format` (not `…/form`, whose workbook is
        // `form.xlsx`).
        let is_table = |path: &str| {
            paths
                .get(path)
                .and_then(|item| serde_json::to_value(item).ok())
                .and_then(|item| item["get"].as_object().map(takes_format))
                .unwrap_or(false)
        };
        let routes = paths
            .keys()
            .filter_map(|path| {
                FILE_SUFFIXES.iter().find_map(|(suffix, _, format)| {
                    let table = path.strip_suffix(suffix)?;
                    is_table(table).then(|| {
                        (
                            table.split('/').map(str::to_owned).collect(),
                            *suffix,
                            *format,
                        )
                    })
                })
            })
            .collect();
        Self(routes)
    }

    /// The table's path and the format that `path` asks for, when it is a table's file.
    fn table_of<'a>(&self, path: &'a str) -> Option<(&'a str, &'static str)> {
        self.0.iter().find_map(|(segments, suffix, format)| {
            let table = path.strip_suffix(suffix)?;
            let asked: Vec<&str> = table.split('/').collect();
            let matches = segments.len() == asked.len()
                && segments
                    .iter()
                    .zip(&asked)
                    .all(|(s, a)| s == a || (s.starts_with('{') && !a.is_empty()));
            matches.then_some((table, *format))
        })
    }
}

/// Serves a table's file path as the table with `format` set (any `format` the query names
/// is replaced), before the request is routed.
pub async fn middleware(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let table = req
        .app_data::<web::Data<FileRoutes>>()
        .and_then(|routes| routes.table_of(req.path()))
        .map(|(table, format)| {
            let mut asked = format!("{table}?format={format}");
            for pair in req
                .query_string()
                .split('&')
                .filter(|pair| !pair.is_empty() && !pair.starts_with("format="))
            {
                asked.push('&');
                asked.push_str(pair);
            }
            asked
        });
    if let Some(uri) = table.and_then(|asked| asked.parse::<Uri>().ok()) {
        req.match_info_mut().get_mut().update(&uri);
        req.head_mut().uri = uri;
    }
    next.call(req).await
}
