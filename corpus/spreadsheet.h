// Tables for people who work in spreadsheets: the county's ledger and a
// workstation plan as XLSX workbooks (through libxlsxwriter) and CSV.
//
// A Sheet is a title, a header row and rows of cells; a cell is text or a
// number. Both writers keep the order given and write every sheet. Text that
// XML 1.0 cannot hold (a C0 control other than TAB, LF and CR, DEL, a C1
// control, a noncharacter; json_reader.h's text_problem) or that is not UTF-8
// is written with U+FFFD in its place, so that a workbook always opens
// whatever records were stored before the boundary refused such text.
// Thread safety: the functions are reentrant (no shared state).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "corpus/status.h"
#include "i18n/messages.h"

namespace expertmatch {

struct Cell {
  std::string text;              // shown when `number` is unset
  std::optional<double> number;  // a numeric cell (sums and sorting work in the spreadsheet)

  Cell(std::string t) : text(std::move(t)) {}          // NOLINT: implicit by design
  Cell(const char* t) : text(t) {}                     // NOLINT
  Cell(int n) : text(std::to_string(n)), number(n) {}  // NOLINT
  Cell(double n);  // NOLINT: text and number rounded to 4 significant digits
};

struct Sheet {
  std::string name;  // the worksheet's tab; at most 31 characters, none of []:*?/\ (XLSX rule)
  std::vector<std::string> header;
  std::vector<std::vector<Cell>> rows;
};

// RFC 4180 CSV, UTF-8 with a byte-order mark (so that Excel opens Chinese
// text as UTF-8), CRLF line ends. One sheet: its header and rows. Several:
// each starts with a line holding its name, then its header and rows, and a
// blank line separates them. A text cell starting with = + - @, a tab or a CR
// gets a leading ' so that a spreadsheet shows it instead of evaluating it.
std::string to_csv(const std::vector<Sheet>& sheets);

// An .xlsx workbook (the file's bytes), one worksheet a sheet, bold header
// row, columns sized to their text. A text longer than Excel's cell limit
// (32,767 characters, counted in UTF-16 code units) keeps its beginning and
// ends with the catalogue's "sheet.cell_truncated" note in `language`, saying
// the CSV holds the whole text; nothing is left out silently.
// kInvalidArgument for a bad sheet name, kIOError if the temporary file
// libxlsxwriter writes cannot be made or read, kInternal if libxlsxwriter
// refuses a cell all the same.
Result<std::string> to_xlsx(const std::vector<Sheet>& sheets, i18n::Language language);

}  // namespace expertmatch
