//! Charts as SVG for the portal to embed: execution rate by unit (sorted, with the median),
//! the grade distribution, a unit's trend over the years. Drawn by plotters' SVG backend:
//! text stays text, in a CJK font family with fallbacks, so Chinese labels render with
//! whatever CJK font the reader has; nothing is fetched.

use plotters::prelude::*;
use plotters::style::FontFamily;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::grade_name;
use crate::domain::report::Grade;

/// The fonts asked for, CJK first, in the order a reader's system is likely to have them.
const FONTS: &str = "Noto Sans CJK SC, Source Han Sans SC, PingFang SC, Microsoft YaHei, WenQuanYi Micro Hei, sans-serif";
const BAR: RGBColor = RGBColor(0x2b, 0x6c, 0xb0);
const MEDIAN: RGBColor = RGBColor(0xc0, 0x39, 0x2b);
const SCORE: RGBColor = RGBColor(0x27, 0xae, 0x60);

fn font(size: u32) -> TextStyle<'static> {
    TextStyle::from((FontFamily::Name(FONTS), size))
}

fn failed(e: impl std::fmt::Display) -> String {
    format!("the chart could not be drawn: {e}")
}

/// Says 无数据 across the middle of a chart that has nothing to draw, so that an empty chart
/// reads as empty rather than as broken.
fn say_no_data<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
) -> Result<(), String> {
    let (width, height) = root.dim_in_pixel();
    let middle = (
        i32::try_from(width / 2).unwrap_or(0),
        i32::try_from(height / 2).unwrap_or(0),
    );
    let style = font(24)
        .color(&RGBColor(0x77, 0x77, 0x77))
        .pos(Pos::new(HPos::Center, VPos::Center));
    root.draw(&Text::new(NO_DATA, middle, style))
        .map_err(failed)
}

/// What an empty chart says.
pub const NO_DATA: &str = "无数据";

/// One unit's bar.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitRate {
    pub name: String,
    /// 预算执行率 (%).
    pub rate: f64,
}

/// The median of the values (the mean of the middle two for an even count).
pub fn median(values: &[f64]) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
    }
}

/// 预算执行率 by unit, highest first, with the median of the units drawn across.
pub fn execution_rates(year: i32, units: &[UnitRate]) -> Result<String, String> {
    let mut sorted = units.to_vec();
    sorted.sort_by(|a, b| b.rate.total_cmp(&a.rate).then_with(|| a.name.cmp(&b.name)));
    let rows = u32::try_from(sorted.len().max(1)).unwrap_or(u32::MAX);
    let height = 150 + 28 * rows;
    let top = sorted
        .iter()
        .map(|u| u.rate)
        .fold(100.0_f64, f64::max)
        .ceil()
        + 10.0;
    let median = median(&sorted.iter().map(|u| u.rate).collect::<Vec<_>>());
    let caption = match median {
        Some(median) => format!("{year}年度各单位预算执行率（红线：全区中位数 {median:.2}%）"),
        None => format!("{year}年度各单位预算执行率"),
    };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (860, height)).into_drawing_area();
        root.fill(&WHITE).map_err(failed)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(caption, font(20))
            .margin(16)
            .x_label_area_size(36)
            .y_label_area_size(220)
            .build_cartesian_2d(0.0..top, (0..rows).into_segmented())
            .map_err(failed)?;
        let names: Vec<String> = sorted.iter().map(|u| u.name.clone()).collect();
        chart
            .configure_mesh()
            .disable_y_mesh()
            .x_desc("预算执行率（%）")
            .y_labels(names.len().max(1))
            .y_label_formatter(&|segment| match segment {
                // The segment above the last row is left empty.
                SegmentValue::CenterOf(i) if *i < rows => names
                    .get(usize::try_from(rows - 1 - *i).unwrap_or(usize::MAX))
                    .cloned()
                    .unwrap_or_default(),
                _ => String::new(),
            })
            .label_style(font(13))
            .axis_desc_style(font(14))
            .draw()
            .map_err(failed)?;
        chart
            .draw_series(sorted.iter().enumerate().map(|(i, unit)| {
                // The axis grows upwards: the highest rate takes the top row.
                let row = rows - 1 - u32::try_from(i).unwrap_or(0).min(rows - 1);
                let mut bar = Rectangle::new(
                    [
                        (0.0, SegmentValue::Exact(row)),
                        (unit.rate, SegmentValue::Exact(row + 1)),
                    ],
                    BAR.filled(),
                );
                bar.set_margin(4, 4, 0, 0);
                bar
            }))
            .map_err(failed)?;
        if let Some(median) = median {
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![
                        (median, SegmentValue::Exact(0)),
                        (median, SegmentValue::Last),
                    ],
                    MEDIAN.stroke_width(2),
                )))
                .map_err(failed)?;
        }
        if sorted.is_empty() {
            say_no_data(&root)?;
        }
        root.present().map_err(failed)?;
    }
    Ok(svg)
}

/// How many units have each grade; the last count is of those that cannot be graded yet.
pub fn grades(year: i32, counts: &[(Option<Grade>, u32)]) -> Result<String, String> {
    let top = counts.iter().map(|(_, n)| *n).max().unwrap_or(0) + 1;
    let labels: Vec<String> = counts
        .iter()
        .map(|(grade, _)| grade.map_or("未评定", grade_name).to_owned())
        .collect();
    let columns = u32::try_from(counts.len().max(1)).unwrap_or(u32::MAX);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (640, 400)).into_drawing_area();
        root.fill(&WHITE).map_err(failed)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(format!("{year}年度自评等级分布"), font(20))
            .margin(16)
            .x_label_area_size(40)
            .y_label_area_size(50)
            .build_cartesian_2d((0..columns).into_segmented(), 0..top)
            .map_err(failed)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .y_desc("单位数")
            .x_labels(labels.len().max(1))
            .x_label_formatter(&|segment| match segment {
                SegmentValue::CenterOf(i) => labels
                    .get(usize::try_from(*i).unwrap_or(usize::MAX))
                    .cloned()
                    .unwrap_or_default(),
                SegmentValue::Exact(_) | SegmentValue::Last => String::new(),
            })
            .label_style(font(14))
            .axis_desc_style(font(14))
            .draw()
            .map_err(failed)?;
        chart
            .draw_series(counts.iter().enumerate().map(|(i, (_, count))| {
                let column = u32::try_from(i).unwrap_or(u32::MAX);
                let mut bar = Rectangle::new(
                    [
                        (SegmentValue::Exact(column), 0),
                        (SegmentValue::Exact(column + 1), *count),
                    ],
                    BAR.filled(),
                );
                bar.set_margin(0, 0, 12, 12);
                bar
            }))
            .map_err(failed)?;
        if counts.iter().all(|(_, count)| *count == 0) {
            say_no_data(&root)?;
        }
        root.present().map_err(failed)?;
    }
    Ok(svg)
}

/// One year of a unit's trend.
#[derive(Debug, Clone, PartialEq)]
pub struct YearPoint {
    pub year: i32,
    /// 预算执行率 (%).
    pub rate: Option<f64>,
    /// 自评得分 by the rules (points).
    pub score: Option<f64>,
}

/// The stretches of consecutive years that have a value: a line joins the years of one
/// stretch and breaks at a year with none (not published, or not given at all).
fn stretches(values: &[(i32, Option<f64>)]) -> Vec<Vec<(i32, f64)>> {
    let mut stretches: Vec<Vec<(i32, f64)>> = Vec::new();
    let mut previous: Option<i32> = None;
    for (year, value) in values {
        match value {
            Some(value) => {
                let follows = previous.is_some_and(|p| *year == p + 1);
                match stretches.last_mut() {
                    Some(stretch) if follows => stretch.push((*year, *value)),
                    _ => stretches.push(vec![(*year, *value)]),
                }
                previous = Some(*year);
            }
            None => previous = None,
        }
    }
    stretches
}

/// A unit's execution rate and score over the years, oldest first; a line breaks at a year
/// with no value.
pub fn trend(name: &str, points: &[YearPoint]) -> Result<String, String> {
    let first = points.first().map_or(2000, |p| p.year);
    let last = points.last().map_or(first, |p| p.year).max(first + 1);
    let top = points
        .iter()
        .flat_map(|p| [p.rate, p.score])
        .flatten()
        .fold(100.0_f64, f64::max)
        .ceil()
        + 10.0;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (720, 400)).into_drawing_area();
        root.fill(&WHITE).map_err(failed)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(format!("{name} 预算执行率与自评得分"), font(20))
            .margin(16)
            .x_label_area_size(40)
            .y_label_area_size(50)
            .build_cartesian_2d(first..last, 0.0..top)
            .map_err(failed)?;
        chart
            .configure_mesh()
            .x_labels(usize::try_from(last - first + 1).unwrap_or(1))
            .x_label_formatter(&|year| format!("{year}年"))
            .label_style(font(13))
            .draw()
            .map_err(failed)?;
        let series = [
            (
                "预算执行率（%）",
                BAR,
                points.iter().map(|p| (p.year, p.rate)).collect::<Vec<_>>(),
            ),
            (
                "自评得分（分）",
                SCORE,
                points.iter().map(|p| (p.year, p.score)).collect(),
            ),
        ];
        let mut drawn = false;
        for (label, color, values) in series {
            // The legend's entry, whatever the line's stretches.
            chart
                .draw_series(LineSeries::new(Vec::new(), color.stroke_width(2)))
                .map_err(failed)?
                .label(label)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2))
                });
            for stretch in stretches(&values) {
                drawn = true;
                chart
                    .draw_series(LineSeries::new(stretch.clone(), color.stroke_width(2)))
                    .map_err(failed)?;
                chart
                    .draw_series(
                        stretch
                            .into_iter()
                            .map(|(year, value)| Circle::new((year, value), 4, color.filled())),
                    )
                    .map_err(failed)?;
            }
        }
        if !drawn {
            say_no_data(&root)?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font(font(13))
            .draw()
            .map_err(failed)?;
        root.present().map_err(failed)?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_is_the_middle_value_or_the_mean_of_the_middle_two() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[90.0, 70.0, 100.0]), Some(90.0));
        assert_eq!(median(&[90.0, 70.0, 100.0, 80.0]), Some(85.0));
    }

    #[test]
    fn a_chart_names_a_cjk_font_and_keeps_its_labels_as_text() {
        let svg = execution_rates(
            2021,
            &[
                UnitRate {
                    name: "区教育局".to_owned(),
                    rate: 97.5,
                },
                UnitRate {
                    name: "区政府办公室".to_owned(),
                    rate: 88.0,
                },
            ],
        )
        .unwrap();
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("Noto Sans CJK SC"));
        assert!(svg.contains("\n区教育局\n") && svg.contains("全区中位数 92.75%"));
    }

    /// The polylines of a colour in an SVG, as their lists of points.
    fn lines_of(svg: &str, color: &RGBColor) -> Vec<Vec<String>> {
        let hex = format!("#{:02X}{:02X}{:02X}", color.0, color.1, color.2);
        svg.split("<polyline")
            .skip(1)
            .filter(|element| element.to_uppercase().contains(&hex))
            .filter_map(|element| {
                let points = element.split("points=\"").nth(1)?.split('"').next()?;
                Some(points.split_whitespace().map(str::to_owned).collect())
            })
            .collect()
    }

    /// A line of the data (the legend's sample is a level line of two points).
    fn data_lines(svg: &str, color: &RGBColor) -> Vec<Vec<String>> {
        lines_of(svg, color)
            .into_iter()
            .filter(|points| {
                let heights: std::collections::BTreeSet<&str> =
                    points.iter().filter_map(|p| p.split(',').nth(1)).collect();
                heights.len() > 1
            })
            .collect()
    }

    fn year(year: i32, rate: Option<f64>) -> YearPoint {
        YearPoint {
            year,
            rate,
            score: None,
        }
    }

    #[test]
    fn a_trend_line_breaks_at_a_year_with_no_value() {
        let joined = trend(
            "区教育局",
            &[
                year(2019, Some(80.0)),
                year(2020, Some(90.0)),
                year(2021, Some(95.0)),
            ],
        )
        .unwrap();
        let lines = data_lines(&joined, &BAR);
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert_eq!(lines[0].len(), 3, "{lines:?}");

        let gap = trend(
            "区教育局",
            &[
                year(2019, Some(80.0)),
                year(2020, None),
                year(2021, Some(95.0)),
                year(2022, Some(97.0)),
            ],
        )
        .unwrap();
        let lines = data_lines(&gap, &BAR);
        assert_eq!(lines.len(), 1, "only 2021–2022 is joined: {lines:?}");
        assert_eq!(lines[0].len(), 2, "{lines:?}");
        assert_eq!(
            gap.matches("<circle").count(),
            3,
            "each year with a value keeps its point"
        );
        assert_eq!(
            stretches(&[(2019, Some(1.0)), (2021, Some(2.0))]).len(),
            2,
            "a year missing from the list breaks the line too"
        );
    }

    #[test]
    fn an_empty_chart_says_there_is_no_data() {
        let empty = [
            execution_rates(2021, &[]).unwrap(),
            grades(2021, &[(Some(Grade::Excellent), 0), (None, 0)]).unwrap(),
            grades(2021, &[]).unwrap(),
            trend("区教育局", &[year(2020, None), year(2021, None)]).unwrap(),
            trend("区教育局", &[]).unwrap(),
        ];
        for svg in &empty {
            assert!(svg.contains(NO_DATA), "{svg}");
        }
        let drawn = execution_rates(
            2021,
            &[UnitRate {
                name: "区教育局".to_owned(),
                rate: 97.5,
            }],
        )
        .unwrap();
        assert!(!drawn.contains(NO_DATA));
        assert!(
            !trend("区教育局", &[year(2021, Some(90.0))])
                .unwrap()
                .contains(NO_DATA)
        );
    }
}
