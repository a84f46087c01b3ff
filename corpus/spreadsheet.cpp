#include "corpus/spreadsheet.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include <xlsxwriter.h>

#include "corpus/exchange_format.h"
#include "corpus/json_reader.h"
#include "corpus/utf8.h"

namespace expertmatch {
namespace {

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

// A text cell that a spreadsheet would read as a formula (= + - @, or a tab
// or CR first) is written with a leading apostrophe, as OWASP's "CSV
// injection" advice says: ledger and plan cells hold enterprises' own text.
std::string csv_text(const std::string& s) {
  if (!s.empty() && std::string_view("=+-@\t\r").find(s[0]) != std::string_view::npos)
    return "'" + s;
  return s;
}

void csv_row(const std::vector<std::string>& fields, std::string* out) {
  for (size_t i = 0; i < fields.size(); ++i) *out += (i ? "," : "") + csv_field(fields[i]);
  *out += "\r\n";
}

// `s` as text a workbook can hold: every character XML 1.0 refuses or
// discourages (json_reader.h's text_problem: C0 controls but TAB, LF and CR,
// DEL, C1 controls, noncharacters) and every byte that is not UTF-8 becomes
// U+FFFD. The boundary refuses such text today; records stored before it did
// must not make the ledger unopenable (Excel rejects the whole file).
std::string sheet_text(const std::string& s) {
  if (unicode_problem(s).empty() && text_problem(s).empty()) return s;
  static const char kReplacement[] = "\xEF\xBF\xBD";
  std::string out;
  const std::string_view v(s);
  for (size_t i = 0; i < v.size();) {
    Utf8Char c = decode_utf8(v, i);
    if (c.fault != Utf8Fault::kNone || c.code_point == 0) {
      out += kReplacement;  // a byte that starts no valid sequence, or U+0000
      i += 1;
    } else {
      if (is_forbidden_in_text(c.code_point))
        out += kReplacement;
      else
        out.append(v.substr(i, c.length));
      i += c.length;
    }
  }
  return out;
}

// Excel holds at most 32,767 characters a cell and libxlsxwriter refuses a
// longer string (LXW_ERROR_MAX_STRING_LENGTH_EXCEEDED), leaving the cell
// empty. Counted in UTF-16 code units, as Excel counts, so the bound holds
// whichever way a reader counts. A longer text keeps its beginning and ends
// with `mark`, which says where the whole text is.
constexpr size_t kMaxCellUnits = 32767;

size_t utf16_units(std::string_view s) {
  size_t n = 0;
  for (size_t i = 0; i < s.size();) {
    Utf8Char c = decode_utf8(s, i);
    n += c.fault == Utf8Fault::kNone && c.code_point > 0xFFFF ? 2 : 1;
    i += c.fault == Utf8Fault::kNone ? c.length : 1;
  }
  return n;
}

std::string fit_cell(std::string text, const std::string& mark) {
  if (utf16_units(text) <= kMaxCellUnits) return text;
  const size_t budget = kMaxCellUnits - utf16_units(mark);
  const std::string_view v(text);
  size_t units = 0, end = 0;
  while (end < v.size()) {
    Utf8Char c = decode_utf8(v, end);  // sheet_text made it valid UTF-8
    size_t u = c.code_point > 0xFFFF ? 2 : 1;
    if (units + u > budget) break;
    units += u;
    end += c.length;
  }
  text.resize(end);
  return text + mark;
}

// A column's width in Excel's units: Han characters take about two.
double display_width(const std::string& s) {
  double w = 0;
  for (unsigned char c : s)
    if (c < 0x80)
      w += 1;
    else if ((c & 0xC0) != 0x80)
      w += 2;
  return w;
}

// Removes the file when it goes out of scope.
struct TempFile {
  std::string path;
  ~TempFile() {
    if (!path.empty()) ::unlink(path.c_str());
  }
};

}  // namespace

// The cell holds the number as it is shown (4 significant digits): a
// spreadsheet otherwise shows an official 0.07146429270505905 for a score.
Cell::Cell(double n) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", n);
  text = buf;
  number = std::strtod(buf, nullptr);
}

std::string to_csv(const std::vector<Sheet>& sheets) {
  std::string out = "\xEF\xBB\xBF";
  for (size_t i = 0; i < sheets.size(); ++i) {
    const Sheet& s = sheets[i];
    if (i) out += "\r\n";
    if (sheets.size() > 1) csv_row({sheet_text(s.name)}, &out);
    std::vector<std::string> header;
    for (const auto& h : s.header) header.push_back(sheet_text(h));
    csv_row(header, &out);
    for (const auto& row : s.rows) {
      std::vector<std::string> fields;
      for (const auto& c : row) fields.push_back(c.number ? c.text : csv_text(sheet_text(c.text)));
      csv_row(fields, &out);
    }
  }
  return out;
}

Result<std::string> to_xlsx(const std::vector<Sheet>& sheets, i18n::Language language) {
  const std::string mark =
      i18n::tr(language, {"sheet.cell_truncated", {{"max", std::to_string(kMaxCellUnits)}}});
  for (const auto& s : sheets)
    if (s.name.empty() || s.name.find_first_of("[]:*?/\\") != std::string::npos ||
        display_width(s.name) > 62)
      return Status(ErrorCode::kInvalidArgument, "bad worksheet name \"" + s.name + "\"");
  // libxlsxwriter 1.1.4 writes to a file only: a private temporary one.
  const char* tmp = std::getenv("TMPDIR");
  TempFile file{std::string(tmp && *tmp ? tmp : "/tmp") + "/expertmatch-XXXXXX.xlsx"};
  int fd = ::mkstemps(file.path.data(), 5);
  if (fd < 0) {
    file.path.clear();
    return Status(ErrorCode::kIOError, "cannot create a temporary file for the workbook");
  }
  ::close(fd);
  lxw_workbook* wb = workbook_new(file.path.c_str());
  if (!wb) return Status(ErrorCode::kIOError, "libxlsxwriter could not start a workbook");
  lxw_format* bold = workbook_add_format(wb);
  format_set_bold(bold);
  for (const auto& s : sheets) {
    lxw_worksheet* ws = workbook_add_worksheet(wb, s.name.c_str());
    if (!ws) {
      workbook_close(wb);
      return Status(ErrorCode::kInvalidArgument, "bad worksheet name \"" + s.name + "\"");
    }
    std::vector<double> widths(s.header.size(), 8);
    auto widen = [&](size_t col, const std::string& text) {
      if (col >= widths.size()) widths.resize(col + 1, 8);
      widths[col] = std::min(60.0, std::max(widths[col], display_width(text) + 2));
    };
    // Every write is checked: a cell libxlsxwriter refuses would otherwise be
    // left out of the workbook without a word (an attack trial's ledger cell
    // of 36,999 characters was).
    lxw_error written = LXW_NO_ERROR;
    auto check = [&](lxw_error e) {
      if (written == LXW_NO_ERROR) written = e;
    };
    for (size_t c = 0; c < s.header.size(); ++c) {
      check(worksheet_write_string(ws, 0, static_cast<lxw_col_t>(c),
                                   fit_cell(sheet_text(s.header[c]), mark).c_str(), bold));
      widen(c, s.header[c]);
    }
    for (size_t r = 0; r < s.rows.size(); ++r)
      for (size_t c = 0; c < s.rows[r].size(); ++c) {
        const Cell& cell = s.rows[r][c];
        auto row = static_cast<lxw_row_t>(r + 1);
        auto col = static_cast<lxw_col_t>(c);
        if (cell.number)
          check(worksheet_write_number(ws, row, col, *cell.number, nullptr));
        else if (!cell.text.empty())
          check(worksheet_write_string(ws, row, col, fit_cell(sheet_text(cell.text), mark).c_str(),
                                       nullptr));
        widen(c, cell.text);
      }
    if (written != LXW_NO_ERROR) {
      workbook_close(wb);
      return Status(ErrorCode::kInternal,
                    std::string("libxlsxwriter refused a cell: ") + lxw_strerror(written));
    }
    for (size_t c = 0; c < widths.size(); ++c)
      worksheet_set_column(ws, static_cast<lxw_col_t>(c), static_cast<lxw_col_t>(c), widths[c],
                           nullptr);
    worksheet_freeze_panes(ws, 1, 0);
  }
  lxw_error err = workbook_close(wb);
  if (err != LXW_NO_ERROR)
    return Status(ErrorCode::kIOError, std::string("libxlsxwriter: ") + lxw_strerror(err));
  return read_text_file(file.path);
}

}  // namespace expertmatch
