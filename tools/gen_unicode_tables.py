#!/usr/bin/env python3
"""Writes src/text/unicode_tables.inc: the Unicode data the BERT tokenizer needs, as compact C++ tables.

Usage: tools/gen_unicode_tables.py [--ucd /usr/share/unicode] [--out src/text/unicode_tables.inc]

Reads UnicodeData.txt, SpecialCasing.txt and CompositionExclusions.txt (Debian: unicode-data). Tables:
  kCategoryRuns   partition of all code points into tokenizer classes, (start << 3) | class
  kCccRuns        partition by canonical combining class, (start << 8) | ccc
  kLowerRuns      simple lowercase deltas over runs of stride 1 or 2
  kLowerExpansions  unconditional multi-code-point lowercase mappings (SpecialCasing)
  kDecompositions / kDecompositionData  full canonical decompositions (Hangul is algorithmic in C++)
  kCompositions   primary composites as (first, second, composite), sorted by (first, second)
"""

import argparse
import os
import re
import sys

# Tokenizer classes; must match enum class CharClass in src/unicode.cpp.
OTHER, CONTROL, SPACE, PUNCT, MARK = range(5)
MAX_CP = 0x110000
HANGUL_FIRST, HANGUL_LAST = 0xAC00, 0xD7A3


def read_lines(path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                yield line


def parse_unicode_data(path):
    """Returns (category list, ccc list, decomposition dict, simple lowercase dict)."""
    category = ["Cn"] * MAX_CP
    ccc = [0] * MAX_CP
    decomposition = {}
    lower = {}
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
        for c in range(first, cp + 1):
            category[c] = gc
            ccc[c] = cc
        if fields[5] and not fields[5].startswith("<"):
            decomposition[cp] = [int(x, 16) for x in fields[5].split()]
        if fields[13]:
            lower[cp] = int(fields[13], 16)
    return category, ccc, decomposition, lower


def parse_special_lowercase(path):
    """Unconditional lowercase mappings of SpecialCasing.txt (the ones Python's str.lower() applies)."""
    result = {}
    for line in read_lines(path):
        fields = [f.strip() for f in line.split(";")]
        if len(fields) > 4 and fields[4]:
            continue  # conditional (Final_Sigma, language-specific)
        result[int(fields[0], 16)] = [int(x, 16) for x in fields[1].split()]
    return result


def parse_code_point_list(path):
    result = set()
    for line in read_lines(path):
        first, _, last = line.partition("..")
        result.update(range(int(first, 16), int(last or first, 16) + 1))
    return result


def unicode_version(ucd):
    with open(os.path.join(ucd, "CompositionExclusions.txt"), encoding="utf-8") as f:
        match = re.search(r"-(\d+\.\d+\.\d+)\.txt", f.readline())
    return match.group(1) if match else "unknown version"


def tokenizer_class(gc):
    if gc[0] == "C":
        return CONTROL  # Hugging Face drops every C* character (Cc Cf Cs Co Cn), not only Cc/Cf
    if gc == "Zs":
        return SPACE
    if gc[0] == "P":
        return PUNCT
    if gc == "Mn":
        return MARK
    return OTHER


def runs(values):
    """Start points where a per-code-point value changes: [(start, value)]."""
    result = []
    for cp, value in enumerate(values):
        if not result or result[-1][1] != value:
            result.append((cp, value))
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


def full_decomposition(cp, decomposition):
    if cp not in decomposition:
        return [cp]
    return [c for part in decomposition[cp] for c in full_decomposition(part, decomposition)]


def compositions(decomposition, ccc, exclusions):
    """Primary composites: two-code-point canonical decompositions not fully excluded from composition."""
    result = []
    for cp, parts in decomposition.items():
        if len(parts) != 2 or cp in exclusions:
            continue
        if ccc[cp] != 0 or ccc[parts[0]] != 0:
            continue  # non-starter decomposition
        result.append((parts[0], parts[1], cp))
    return sorted(result)


def emit(out, decl, items, per_line):
    out.append(decl + " = {")
    for i in range(0, len(items), per_line):
        out.append("    " + " ".join(item + "," for item in items[i:i + per_line]))
    out.append("};")
    out.append("")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("--ucd", default="/usr/share/unicode")
    default_out = os.path.normpath(os.path.join(here, "..", "src", "text", "unicode_tables.inc"))
    parser.add_argument("--out", default=default_out)
    args = parser.parse_args()

    category, ccc, decomposition, lower = parse_unicode_data(os.path.join(args.ucd, "UnicodeData.txt"))
    special = parse_special_lowercase(os.path.join(args.ucd, "SpecialCasing.txt"))
    exclusions = parse_code_point_list(os.path.join(args.ucd, "CompositionExclusions.txt"))

    expansions = {}
    for cp, mapped in special.items():
        if len(mapped) == 1:
            if mapped[0] == cp:
                lower.pop(cp, None)
            else:
                lower[cp] = mapped[0]
        else:
            assert len(mapped) == 2, "lowercase expansions longer than 2 need a wider table"
            lower.pop(cp, None)
            expansions[cp] = mapped

    category_runs = runs([tokenizer_class(gc) for gc in category])
    ccc_runs = runs(ccc)
    lower_runs = lowercase_runs(lower)
    assert all(HANGUL_FIRST > cp or cp > HANGUL_LAST for cp in decomposition)
    decompositions = []
    data = []
    for cp in sorted(decomposition):
        full = full_decomposition(cp, decomposition)
        decompositions.append((cp, len(data), len(full)))
        data.extend(full)
    assert len(data) < 1 << 16 and max(d[2] for d in decompositions) < 1 << 8
    composition_table = compositions(decomposition, ccc, exclusions)

    version = unicode_version(args.ucd)
    out = [
        "// Generated by tools/gen_unicode_tables.py from UnicodeData.txt %s; do not edit." % version,
        "// Included once, by src/unicode.cpp, inside an unnamed namespace.",
        "",
    ]
    emit(out, "constexpr uint32_t kCategoryRuns[%d]" % len(category_runs),
         ["0x%X" % (start << 3 | cls) for start, cls in category_runs], 10)
    emit(out, "constexpr uint32_t kCccRuns[%d]" % len(ccc_runs),
         ["0x%X" % (start << 8 | cc) for start, cc in ccc_runs], 10)
    emit(out, "constexpr LowerRun kLowerRuns[%d]" % len(lower_runs),
         ["{0x%X, %d, %d, %d}" % run for run in lower_runs], 5)
    emit(out, "constexpr LowerExpansion kLowerExpansions[%d]" % len(expansions),
         ["{0x%X, 0x%X, 0x%X}" % (cp, *mapped) for cp, mapped in sorted(expansions.items())], 4)
    emit(out, "constexpr Decomposition kDecompositions[%d]" % len(decompositions),
         ["{0x%X, %d, %d}" % d for d in decompositions], 6)
    emit(out, "constexpr char32_t kDecompositionData[%d]" % len(data), ["0x%X" % c for c in data], 12)
    emit(out, "constexpr Composition kCompositions[%d]" % len(composition_table),
         ["{0x%X, 0x%X, 0x%X}" % c for c in composition_table], 4)

    with open(args.out, "w", encoding="utf-8") as f:
        f.write("\n".join(out))
    print("wrote %s (%d bytes)" % (args.out, os.path.getsize(args.out)), file=sys.stderr)


if __name__ == "__main__":
    main()
