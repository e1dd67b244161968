// seqnet/io/labels.hpp -- label tables (TSV, plain or gzip) and their join with FASTA records into a
// dataset. Module seqnet::io (needs zlib for gzip input).
//
// Format: tab-separated, first line a header. Column 1 holds the sequence name (its header text is free,
// e.g. "name"); every further column is one task, its header the task name (non-empty, unique). Each
// following line is one sequence: its name (non-empty, unique), then one value per task. A value is any
// finite number in decimal or scientific notation (0/1 for classification, 0.5 or 3.2e-1 as soft or
// regression targets); "NA", "NaN", "nan" or an empty field mark a missing label (seqnet::missing_label,
// left out by losses and metrics). Spaces around a field are ignored; line endings may be LF, CRLF or
// CR; blank lines are skipped; a UTF-8 byte-order mark is skipped.
//
// Errors are format_error "<source>:<line>: ...": an empty file (no header); a header with no task
// column, an empty or duplicate task name; a row with the wrong number of columns ("expected 3 columns
// (name + 2 tasks), got 2"); a value that is not a number, quoted and with its task ("column 3 (task
// 'ctcf'): 'yes' is not a number or NA"); inf; an empty or duplicate sequence name ("(first at line 4)");
// a NUL byte. File problems start "<path>: " (cannot open, corrupt gzip, other compression).
//
// make_dataset joins FASTA records and a label table by name, strictly: every record needs a label row
// and every label row a record, otherwise one error counts and lists both kinds of misfit ("3 sequences
// without labels: seq7, seq9, seq12; 1 label row without a sequence: seq40"), since a silent partial
// join hides a mismatched file pair. All records must have one length (the error names the first record
// that differs). Rows follow the FASTA order.
#pragma once

#include <seqnet/config.hpp>
#include <seqnet/data/dataset.hpp>
#include <seqnet/io/fasta.hpp>
#include <seqnet/io/text_file.hpp>

#include <cstddef>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace seqnet::io {

struct label_table {
    std::vector<std::string> tasks;  ///< task names, header columns 2...
    std::vector<std::string> names;  ///< sequence names, one per row
    std::vector<float> values;       ///< names.size() x tasks.size(), row-major; NaN = missing
    std::string source;              ///< file name (or the name given to parse_labels), for messages

    std::size_t rows() const { return names.size(); }
    /// Value of row r, task t.
    float at(std::size_t r, std::size_t t) const { return values[r * tasks.size() + t]; }
};

namespace detail {

inline bool is_missing_token(std::string_view s) { return s.empty() || s == "NA" || s == "NaN" || s == "nan"; }

}  // namespace detail

/// A label table from a TSV text in memory; `source` names it in errors.
inline label_table parse_labels(std::string_view text, std::string source) {
    label_table t;
    t.source = std::move(source);
    if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
    detail::line_reader lines(text, t.source);
    std::string_view line;
    std::vector<std::string_view> fields;

    bool have_header = false;
    while (!have_header && lines.next(line)) have_header = !detail::is_blank(line);
    if (!have_header)
        throw format_error(t.source + ":1: empty file (expected a header line: the name column, then one "
                                      "column per task)");
    detail::split_fields(line, '\t', fields);
    if (fields.size() < 2)
        throw format_error(lines.where() + "header has no task column (expected the name column, then one "
                                           "tab-separated column per task)");
    std::unordered_map<std::string, std::size_t> task_column;
    for (std::size_t c = 1; c < fields.size(); ++c) {
        const std::string name(detail::trim_spaces(fields[c]));
        if (name.empty())
            throw format_error(lines.where() + "header column " + std::to_string(c + 1) + " has an empty task name");
        auto [it, fresh] = task_column.try_emplace(name, c + 1);
        if (!fresh)
            throw format_error(lines.where() + "duplicate task name '" + name + "' in header columns " +
                               std::to_string(it->second) + " and " + std::to_string(c + 1));
        t.tasks.push_back(name);
    }
    const std::size_t columns = fields.size();

    std::unordered_map<std::string, index_t> first_line;
    while (lines.next(line)) {
        if (detail::is_blank(line)) continue;
        detail::split_fields(line, '\t', fields);
        if (fields.size() != columns)
            throw format_error(lines.where() + "expected " + std::to_string(columns) + " columns (name + " +
                               std::to_string(columns - 1) + (columns == 2 ? " task" : " tasks") + "), got " +
                               std::to_string(fields.size()));
        std::string name(detail::trim_spaces(fields[0]));
        if (name.empty()) throw format_error(lines.where() + "empty sequence name in column 1");
        auto [it, fresh] = first_line.try_emplace(name, lines.line());
        if (!fresh)
            throw format_error(lines.where() + "duplicate sequence name '" + name + "' (first at line " +
                               std::to_string(it->second) + ")");
        for (std::size_t c = 1; c < columns; ++c) {
            const std::string_view v = detail::trim_spaces(fields[c]);
            float x = missing_label;
            if (!detail::is_missing_token(v) && !detail::parse_finite_float(v, x))
                throw format_error(lines.where() + "column " + std::to_string(c + 1) + " (task '" + t.tasks[c - 1] +
                                   "'): " + detail::quote_field(v) +
                                   " is not a finite number or NA (missing: NA, NaN, nan or empty)");
            t.values.push_back(x);
        }
        t.names.push_back(std::move(name));
    }
    return t;
}

/// A label table from a TSV file, plain or gzip-compressed.
inline label_table read_labels(const std::filesystem::path& path) {
    return parse_labels(detail::read_text_file(path), path.string());
}

/// The records, one-hot encoded by `policy`, with their labels, joined by name (strict: see the file
/// comment). Throws format_error for misfits, encoding_error for a character the policy cannot encode.
inline dataset make_dataset(const std::vector<fasta_record>& records, const label_table& labels,
                            ambiguity_policy policy = ambiguity_policy::zeros) {
    const std::string& src = labels.source;
    if (records.empty()) throw format_error(src + ": no sequences to join the labels with");
    std::unordered_map<std::string_view, std::size_t> row_of;
    row_of.reserve(labels.names.size());
    for (std::size_t r = 0; r < labels.names.size(); ++r) row_of.emplace(labels.names[r], r);

    std::vector<std::string> unlabelled, unmatched;
    std::unordered_map<std::string_view, bool> used;
    for (const auto& rec : records) {
        if (row_of.count(rec.name))
            used[rec.name] = true;
        else
            unlabelled.push_back(rec.name);
    }
    for (const auto& n : labels.names)
        if (!used.count(n)) unmatched.push_back(n);
    if (!unlabelled.empty() || !unmatched.empty()) {
        std::string msg = src + ": the labels and the sequences do not match by name: ";
        if (!unlabelled.empty())
            msg += std::to_string(unlabelled.size()) +
                   (unlabelled.size() == 1 ? " sequence without labels: " : " sequences without labels: ") +
                   detail::name_list(unlabelled);
        if (!unlabelled.empty() && !unmatched.empty()) msg += "; ";
        if (!unmatched.empty())
            msg += std::to_string(unmatched.size()) +
                   (unmatched.size() == 1 ? " label row without a sequence: " : " label rows without a sequence: ") +
                   detail::name_list(unmatched);
        throw format_error(msg);
    }

    const fasta_record& first = records.front();
    const auto length = static_cast<index_t>(first.sequence.size());
    for (const auto& rec : records)
        if (static_cast<index_t>(rec.sequence.size()) != length)
            throw format_error("make_dataset: record '" + rec.name + "' (line " + std::to_string(rec.line) + ") has " +
                               std::to_string(rec.sequence.size()) + " bases, but '" + first.name + "' has " +
                               std::to_string(length) + " (a dataset holds sequences of one length)");

    dataset d(length, labels.tasks, policy);
    const std::size_t tasks = labels.tasks.size();
    for (const auto& rec : records) {
        const std::size_t r = row_of.at(rec.name);
        d.add(rec.name, rec.sequence, std::span<const float>(labels.values.data() + r * tasks, tasks));
    }
    return d;
}

/// Writes a label table as read_labels reads it: a header "name" and the task names, then one row per
/// sequence; 0 and 1 as such, other values with 9 significant digits, NA for a missing label.
inline void write_labels(const std::filesystem::path& path, const std::vector<std::string>& tasks,
                         const std::vector<std::string>& names, std::span<const float> values) {
    if (values.size() != names.size() * tasks.size())
        throw argument_error("write_labels: " + std::to_string(values.size()) + " values for " +
                             std::to_string(names.size()) + " rows of " + std::to_string(tasks.size()) + " tasks");
    std::ofstream out(path, std::ios::binary);
    if (!out) throw format_error(path.string() + ": cannot open for writing");
    out << "name";
    for (const auto& t : tasks) out << '\t' << t;
    out << '\n';
    char number[32];
    for (std::size_t i = 0; i < names.size(); ++i) {
        out << names[i];
        for (std::size_t t = 0; t < tasks.size(); ++t) {
            const float v = values[i * tasks.size() + t];
            if (is_missing(v)) out << "\tNA";
            else if (v == 0.0f || v == 1.0f) out << (v != 0.0f ? "\t1" : "\t0");
            else {
                std::snprintf(number, sizeof number, "\t%.9g", double(v));
                out << number;
            }
        }
        out << '\n';
    }
    if (!out.flush()) throw format_error(path.string() + ": write failed");
}

/// The table itself.
inline void write_labels(const std::filesystem::path& path, const label_table& t) {
    write_labels(path, t.tasks, t.names, t.values);
}

}  // namespace seqnet::io
