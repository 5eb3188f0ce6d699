//! The exports' tables as Excel workbooks (rust_xlsxwriter): bold header,
//! frozen first row, filters, columns wide enough to read. Every cell is
//! written as a string, never as a formula, so a name beginning with `=`
//! or `-` stays text without the CSV's apostrophe.

use rust_xlsxwriter::{Format, Workbook, XlsxError};

/// One sheet named `sheet` holding `table` (header row first).
pub fn workbook(sheet: &str, table: &[Vec<String>]) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let worksheet = workbook.add_worksheet();
    worksheet.set_name(sheet)?;
    let bold = Format::new().set_bold();
    for (r, row) in table.iter().enumerate() {
        let r = u32::try_from(r).unwrap_or(u32::MAX);
        for (c, cell) in row.iter().enumerate() {
            let c = u16::try_from(c).unwrap_or(u16::MAX);
            if r == 0 {
                worksheet.write_string_with_format(r, c, cell, &bold)?;
            } else {
                worksheet.write_string(r, c, cell)?;
            }
        }
    }
    let columns = table.first().map_or(0, Vec::len);
    for c in 0..columns {
        let widest = table
            .iter()
            .filter_map(|row| row.get(c))
            .map(|cell| cell.chars().count())
            .max()
            .unwrap_or(8);
        let c = u16::try_from(c).unwrap_or(u16::MAX);
        worksheet.set_column_width(c, (widest.clamp(6, 60) + 2) as f64)?;
    }
    if let Some(last_row) = table.len().checked_sub(1)
        && columns > 0
    {
        worksheet.set_freeze_panes(1, 0)?;
        worksheet.autofilter(
            0,
            0,
            u32::try_from(last_row).unwrap_or(u32::MAX),
            u16::try_from(columns - 1).unwrap_or(u16::MAX),
        )?;
    }
    workbook.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    /// Issue 16, point 11: a cell that looks like a formula is a string in
    /// the sheet (`t="s"`), with no `<f>` element.
    #[test]
    fn cells_that_look_like_formulas_are_text() {
        let table = vec![
            vec!["Namn".to_string()],
            vec!["=1+1".to_string()],
            vec!["-2+3".to_string()],
            vec!["@SUM(A1)".to_string()],
        ];
        let bytes = workbook("Närvaro", &table).expect("a workbook");
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
        let mut sheet = String::new();
        zip.by_name("xl/worksheets/sheet1.xml")
            .expect("the sheet")
            .read_to_string(&mut sheet)
            .expect("text");
        assert!(!sheet.contains("<f>"), "{sheet}");
        assert_eq!(sheet.matches("t=\"s\"").count(), 4, "{sheet}");
    }
}
