//! The exports' tables as Excel workbooks (rust_xlsxwriter): bold header,
//! frozen first row, filters, columns wide enough to read.

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
