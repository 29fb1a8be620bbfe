#!/usr/bin/env python3
"""Writes src/text/unicode_tables.inc: the Unicode data of Hugging Face's Rust BERT tokenizer, as C++ tables.

Usage:
  tools/gen_unicode_tables.py [--ucd /usr/share/unicode] [--out src/text/unicode_tables.inc]
  node tools/dump_hf_unicode.mjs > /tmp/hf_unicode.tsv
  tools/gen_unicode_tables.py --oracle /tmp/hf_unicode.tsv   # also rewrites tools/unicode_overrides.txt

Hugging Face's tokenizer (npm/PyPI `tokenizers`) mixes Unicode versions, which we rebuild from today's data
(Debian's unicode-data: UnicodeData.txt, DerivedAge.txt, PropList.txt, SpecialCasing.txt):
  - character classes (control, punctuation, nonspacing mark) come from Unicode 8.0 tables: code points assigned
    later (DerivedAge.txt) count as unassigned, i.e. ordinary characters, and unassigned ones are not "control";
  - NFD (decompositions, canonical combining classes) comes from Unicode 9.0 tables, the same way;
  - whitespace is the White_Space property, unchanged since Unicode 6.3;
  - lowercase is Rust's char::to_lowercase, of a newer Unicode than ours.
What age filtering cannot express (general categories changed since 8.0, case pairs added after our data) is in
tools/unicode_overrides.txt, which --oracle derives from the tokenizer itself (facts by tools/dump_hf_unicode.mjs);
--oracle fails if whitespace, NFD or combining classes differ, which no override covers.

Tables:
  kCategoryRuns     partition of all code points into tokenizer classes, (start << 3) | class
  kWhiteSpace       White_Space ranges (first, last)
  kCccRuns          partition by canonical combining class, (start << 8) | ccc
  kLowerRuns        simple lowercase deltas over runs of stride 1 or 2
  kLowerExpansions  unconditional two-code-point lowercase mappings
  kDecompositions / kDecompositionData  full canonical decompositions (Hangul is algorithmic in C++)
"""

import argparse
import os
import re
import sys

# Tokenizer classes; must match enum class CharClass in src/text/unicode.cpp.
OTHER, CONTROL, PUNCT, MARK = range(4)
CLASS_NAMES = ["other", "control", "punct", "mark"]
CATEGORY_VERSION = (8, 0)
NORMALIZATION_VERSION = (9, 0)
MAX_CP = 0x110000
S_BASE, L_BASE, V_BASE, T_BASE, T_COUNT, N_COUNT, S_COUNT = 0xAC00, 0x1100, 0x1161, 0x11A7, 28, 588, 11172
HERE = os.path.dirname(os.path.abspath(__file__))
OVERRIDES = os.path.join(HERE, "unicode_overrides.txt")


def read_lines(path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                yield line


def code_points(field):
    first, _, last = field.strip().partition("..")
    return range(int(first, 16), int(last or first, 16) + 1)


def parse_unicode_data(path):
    """Returns (name dict, category list, ccc list, decomposition dict, simple lowercase dict)."""
    names, category, ccc, decomposition, lower = {}, ["Cn"] * MAX_CP, [0] * MAX_CP, {}, {}
    range_start = None
    for line in read_lines(path):
        fields = line.split(";")
        cp = int(fields[0], 16)
        name, gc, cc = fields[1], fields[2], int(fields[3])
        if name.endswith(", First>"):
            range_start = cp
            continue
        first = range_start if name.endswith(", Last>") else cp
        range_start = None
        names[cp] = name
        for c in range(first, cp + 1):
            category[c] = gc
            ccc[c] = cc
        if fields[5] and not fields[5].startswith("<"):
            decomposition[cp] = [int(x, 16) for x in fields[5].split()]
        if fields[13]:
            lower[cp] = [int(fields[13], 16)]
    return names, category, ccc, decomposition, lower


def parse_age(path):
    age = {}
    for line in read_lines(path):
        cps, version = line.split(";")
        for cp in code_points(cps):
            age[cp] = tuple(int(x) for x in version.strip().split("."))
    return age


def parse_white_space(path):
    return sorted(cp for line in read_lines(path) if line.split(";")[1].strip() == "White_Space"
                  for cp in code_points(line.split(";")[0]))


def apply_special_lowercase(path, lower):
    """Unconditional mappings of SpecialCasing.txt, which char::to_lowercase (and str.lower) apply."""
    for line in read_lines(path):
        fields = [f.strip() for f in line.split(";")]
        if len(fields) > 4 and fields[4]:
            continue  # conditional (Final_Sigma, language-specific)
        cp, mapped = int(fields[0], 16), [int(x, 16) for x in fields[1].split()]
        if mapped == [cp]:
            lower.pop(cp, None)
        else:
            lower[cp] = mapped


def unicode_version(ucd):
    with open(os.path.join(ucd, "DerivedAge.txt"), encoding="utf-8") as f:
        match = re.search(r"-(\d+\.\d+\.\d+)\.txt", f.readline())
    return match.group(1) if match else "unknown version"


def tokenizer_class(cp, gc):
    if cp in (0x09, 0x0A, 0x0D):
        return OTHER  # whitespace, not control
    if gc in ("Cc", "Cf", "Co"):
        return CONTROL  # unassigned (Cn) code points are ordinary characters
    if gc[0] == "P" or (cp < 0x80 and chr(cp) in "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"):
        return PUNCT
    return MARK if gc == "Mn" else OTHER


def read_overrides(path):
    """{cp: class} and {cp: lowercase mapping} from tools/unicode_overrides.txt."""
    classes, lower = {}, {}
    if not os.path.exists(path):
        return classes, lower
    for line in read_lines(path):
        kind, cp, *rest = line.split()
        if kind == "class":
            classes[int(cp, 16)] = CLASS_NAMES.index(rest[0])
        else:
            assert kind == "lower", line
            lower[int(cp, 16)] = [int(x, 16) for x in rest]
    return classes, lower


class Data:
    """The tokenizer's view of Unicode, before overrides."""

    def __init__(self, ucd):
        self.names, self.category, ccc, decomposition, self.lower = parse_unicode_data(
            os.path.join(ucd, "UnicodeData.txt"))
        apply_special_lowercase(os.path.join(ucd, "SpecialCasing.txt"), self.lower)
        age = parse_age(os.path.join(ucd, "DerivedAge.txt"))
        self.white_space = parse_white_space(os.path.join(ucd, "PropList.txt"))
        self.version = unicode_version(ucd)
        known = lambda cp, version: age.get(cp, (99, 0)) <= version
        self.classes = [tokenizer_class(cp, gc if known(cp, CATEGORY_VERSION) else "Cn")
                        for cp, gc in enumerate(self.category)]
        self.ccc = [cc if known(cp, NORMALIZATION_VERSION) else 0 for cp, cc in enumerate(ccc)]
        self.decomposition = {cp: parts for cp, parts in decomposition.items() if known(cp, NORMALIZATION_VERSION)}

    def apply(self, overrides):
        classes, lower = overrides
        for cp, cls in classes.items():
            self.classes[cp] = cls
        self.lower.update(lower)

    def full_decomposition(self, cp):
        if cp not in self.decomposition:
            return [cp]
        return [c for part in self.decomposition[cp] for c in self.full_decomposition(part)]

    def nfd(self, cp):
        if S_BASE <= cp < S_BASE + S_COUNT:
            s = cp - S_BASE
            return [L_BASE + s // N_COUNT, V_BASE + s % N_COUNT // T_COUNT] + ([T_BASE + s % T_COUNT] if s % T_COUNT else [])
        parts = self.full_decomposition(cp)
        # Full decompositions come out in canonical order: no reordering to emulate.
        assert all(self.ccc[a] <= self.ccc[b] or not self.ccc[b] for a, b in zip(parts, parts[1:])), hex(cp)
        return parts


def oracle_name(oracle_path):
    with open(oracle_path, encoding="utf-8") as f:
        return f.readline().lstrip("# ").strip()  # e.g. "npm tokenizers 0.23.2"


def derive_overrides(data, oracle_path):
    """Compares `data` with the oracle's facts; returns the override lines, fails on what no override covers."""
    white_space = set(data.white_space)
    lines, errors = [], []
    for line in read_lines(oracle_path):
        cp_hex, control, space, punct, mark, nfd, lower, above1, below230 = line.split("\t")
        cp = int(cp_hex, 16)
        ours = data.classes[cp]
        theirs = CONTROL if control == "1" else PUNCT if punct == "1" else MARK if mark == "1" else OTHER
        if mark == "-" and theirs == OTHER and ours == MARK:
            theirs = MARK  # NFD decomposes cp, so the oracle cannot show whether cp itself is Mn
        name = data.names.get(cp, "unassigned in Unicode %s" % data.version)
        if theirs != ours:
            lines.append("class %04X %s  # %s, %s in Unicode %s" % (cp, CLASS_NAMES[theirs], name,
                                                                 data.category[cp], data.version))
        if [int(x, 16) for x in lower.split()] != data.lower.get(cp, [cp]):
            lines.append("lower %04X %s  # %s" % (cp, lower, name))
        cc = data.ccc[cp]
        expected = [space == "1", [int(x, 16) for x in nfd.split()], above1, below230]
        actual = [cp in white_space, data.nfd(cp),
                  "-" if mark == "-" else str(int(cc > 1)), "-" if mark == "-" else str(int(0 < cc < 230))]
        if expected != actual:
            errors.append("U+%04X: oracle %s, ours %s" % (cp, expected, actual))  # lists print in decimal
    if errors:
        sys.exit("%d differences no override covers, e.g.\n  %s" % (len(errors), "\n  ".join(errors[:20])))
    return lines


def runs(values):
    """Start points where a per-code-point value changes: [(start, value)]."""
    result = []
    for cp, value in enumerate(values):
        if not result or result[-1][1] != value:
            result.append((cp, value))
    return result


def ranges(sorted_cps):
    result = []
    for cp in sorted_cps:
        if result and result[-1][1] == cp - 1:
            result[-1][1] = cp
        else:
            result.append([cp, cp])
    return result


def lowercase_runs(lower):
    """Greedy (first, length, stride, delta) runs with disjoint spans covering exactly `lower`."""
    result = []
    cps = sorted(lower)
    i = 0
    while i < len(cps):
        first = cps[i]
        delta = lower[first] - first
        best_stride, best_length = 1, 1
        for stride in (1, 2):
            length = 1
            while True:
                nxt = first + length * stride
                if nxt not in lower or lower[nxt] - nxt != delta:
                    break
                if stride == 2 and (nxt - 1) in lower:
                    break  # the skipped code point must be unmapped so spans stay disjoint
                length += 1
            if length > best_length:
                best_stride, best_length = stride, length
        result.append((first, best_length, best_stride, delta))
        i += best_length  # a stride-2 run skips only unmapped code points, so its members are adjacent in cps
    # Self-check: the runs reproduce the mapping exactly.
    expanded = {}
    for first, length, stride, delta in result:
        for k in range(length):
            expanded[first + k * stride] = first + k * stride + delta
    assert expanded == lower, "lowercase runs do not reproduce the mapping"
    assert max(r[1] for r in result) < 1 << 16
    return result


def emit(out, decl, items, per_line):
    out.append(decl + " = {")
    for i in range(0, len(items), per_line):
        out.append("    " + " ".join(item + "," for item in items[i:i + per_line]))
    out.append("};")
    out.append("")


def tables(data):
    simple = {cp: m[0] for cp, m in data.lower.items() if len(m) == 1 and m[0] != cp}
    expansions = {cp: m for cp, m in data.lower.items() if len(m) > 1}
    assert all(len(m) == 2 for m in expansions.values()), "lowercase expansions longer than 2 need a wider table"
    assert all(not S_BASE <= cp < S_BASE + S_COUNT for cp in data.decomposition)
    decompositions, flat = [], []
    for cp in sorted(data.decomposition):
        full = data.full_decomposition(cp)
        decompositions.append((cp, len(flat), len(full)))
        flat.extend(full)
    assert len(flat) < 1 << 16 and max(d[2] for d in decompositions) < 1 << 8
    out = [
        "// Generated by tools/gen_unicode_tables.py from Unicode %s data and tools/unicode_overrides.txt; "
        "do not edit." % data.version,
        "// Included once, by src/text/unicode.cpp, inside an unnamed namespace.",
        "",
    ]
    emit(out, "constexpr uint32_t kCategoryRuns[%d]" % len(runs(data.classes)),
         ["0x%X" % (start << 3 | cls) for start, cls in runs(data.classes)], 10)
    emit(out, "constexpr CodePointRange kWhiteSpace[%d]" % len(ranges(data.white_space)),
         ["{0x%X, 0x%X}" % tuple(r) for r in ranges(data.white_space)], 6)
    emit(out, "constexpr uint32_t kCccRuns[%d]" % len(runs(data.ccc)),
         ["0x%X" % (start << 8 | cc) for start, cc in runs(data.ccc)], 10)
    emit(out, "constexpr LowerRun kLowerRuns[%d]" % len(lowercase_runs(simple)),
         ["{0x%X, %d, %d, %d}" % run for run in lowercase_runs(simple)], 5)
    emit(out, "constexpr LowerExpansion kLowerExpansions[%d]" % len(expansions),
         ["{0x%X, 0x%X, 0x%X}" % (cp, *mapped) for cp, mapped in sorted(expansions.items())], 4)
    emit(out, "constexpr Decomposition kDecompositions[%d]" % len(decompositions),
         ["{0x%X, %d, %d}" % d for d in decompositions], 6)
    emit(out, "constexpr char32_t kDecompositionData[%d]" % len(flat), ["0x%X" % c for c in flat], 12)
    return "\n".join(out)


def write_overrides(lines, version, oracle_path):
    header = [
        "# Generated by tools/gen_unicode_tables.py --oracle from the facts of tools/dump_hf_unicode.mjs (%s);"
        % oracle_name(oracle_path),
        "# do not edit. Where Hugging Face's tokenizer differs from Unicode %s data filtered by age:" % version,
        "#   class CP CLASS  its class (other, control, punct, mark) in the tokenizer's Unicode 8.0 tables",
        "#   lower CP CP...  Rust's char::to_lowercase, from a newer Unicode than ours",
    ]
    with open(OVERRIDES, "w", encoding="utf-8") as f:
        f.write("\n".join(header + lines) + "\n")
    print("wrote %s (%d overrides from %s)" % (OVERRIDES, len(lines), oracle_path), file=sys.stderr)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ucd", default="/usr/share/unicode")
    parser.add_argument("--out", default=os.path.normpath(os.path.join(HERE, "..", "src", "text", "unicode_tables.inc")))
    parser.add_argument("--oracle", help="facts printed by tools/dump_hf_unicode.mjs; rewrites the overrides")
    args = parser.parse_args()

    data = Data(args.ucd)
    if args.oracle:
        write_overrides(derive_overrides(data, args.oracle), data.version, args.oracle)
    data.apply(read_overrides(OVERRIDES))
    if args.oracle:
        assert derive_overrides(data, args.oracle) == [], "the overrides do not reproduce the oracle"
    with open(args.out, "w", encoding="utf-8") as f:
        f.write(tables(data))
    print("wrote %s (%d bytes)" % (args.out, os.path.getsize(args.out)), file=sys.stderr)


if __name__ == "__main__":
    main()
