#!/usr/bin/env python3
"""Checks a safetensors file written by SimDETR Studio, independently of the studio's own reader.

Usage: check_safetensors.py WEIGHTS.safetensors REFERENCE.json

1. Layout: the 8-byte little-endian header length, a UTF-8 JSON object header padded with spaces so
   the data starts 8-byte aligned, no duplicate names, dtype F32 only, shape x 4 bytes = the offsets'
   span, offsets that tile the data from byte 0 to the end of the file without gap or overlap, and
   __metadata__ a string -> string map.
2. Values, against REFERENCE.json = {name: {"shape": [...], "sum": float64 sum, "first": [up to 8
   values]}, "__metadata__": {key: value} (optional, only the keys listed are compared)}: the same
   names, the same shapes, the first values bit-exact as float32, the sum within float64 rounding.

Prints "OK: N tensors, M values" and exits 0; otherwise prints every problem and exits 1 (2 on a
usage error or an unreadable argument). Needs Python 3 and numpy only.
"""
import json
import struct
import sys

import numpy as np

ALIGN = 8


class Invalid(Exception):
    pass


def no_duplicates(pairs):
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise Invalid(f"duplicate key {key!r} in the header")
        seen[key] = value
    return seen


def read_layout(raw):
    """The header entries and the data, or Invalid naming the rule that was broken."""
    if len(raw) < 8:
        raise Invalid(f"expected at least 8 bytes, got {len(raw)}")
    (n,) = struct.unpack("<Q", raw[:8])
    if n > len(raw) - 8:
        raise Invalid(f"header length {n} runs past the end of the file ({len(raw) - 8} bytes after it)")
    if (8 + n) % ALIGN != 0:
        raise Invalid(f"expected the data to start 8-byte aligned, header length is {n}")
    text = raw[8 : 8 + n]
    if text.rstrip(b" ") != text.rstrip():
        raise Invalid("expected the header to be padded with spaces only")
    try:
        header = json.loads(text.decode("utf-8"), object_pairs_hook=no_duplicates)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise Invalid(f"header is not UTF-8 JSON: {e}") from e
    if not isinstance(header, dict):
        raise Invalid(f"expected a JSON object header, got {type(header).__name__}")
    metadata = header.pop("__metadata__", {})
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise Invalid("__metadata__: expected a map of strings")
    for name, entry in header.items():
        if not isinstance(entry, dict):
            raise Invalid(f"{name}: expected {{dtype, shape, data_offsets}}, got {entry!r}")
        if entry.get("dtype") != "F32":
            raise Invalid(f"{name}.dtype: expected F32, got {entry.get('dtype')!r}")
        shape, offsets = entry.get("shape"), entry.get("data_offsets")
        if not isinstance(shape, list) or not all(isinstance(d, int) and d >= 0 for d in shape):
            raise Invalid(f"{name}.shape: expected non-negative integers, got {shape!r}")
        if not isinstance(offsets, list) or len(offsets) != 2 or not all(isinstance(o, int) for o in offsets):
            raise Invalid(f"{name}.data_offsets: expected [begin, end], got {offsets!r}")
        if offsets[1] - offsets[0] != 4 * int(np.prod(shape, dtype=np.int64)):
            raise Invalid(f"{name}: shape {shape} does not fill data_offsets {offsets}")
    data = raw[8 + n :]
    expected_begin = 0
    for name, entry in sorted(header.items(), key=lambda kv: tuple(kv[1]["data_offsets"])):
        begin, end = entry["data_offsets"]
        if begin != expected_begin:
            raise Invalid(f"{name}.data_offsets: expected to begin at {expected_begin}, got {begin}")
        if end > len(data):
            raise Invalid(f"{name}: data ends at {end} but the file holds {len(data)} data bytes (truncated)")
        expected_begin = end
    if expected_begin != len(data):
        raise Invalid(f"expected {expected_begin} data bytes, got {len(data)}")
    return header, metadata, data


def compare(header, metadata, data, reference):
    problems = []
    ref_metadata = reference.pop("__metadata__", {})
    for key, value in ref_metadata.items():
        if metadata.get(key) != value:
            problems.append(f"__metadata__.{key}: expected {value!r}, got {metadata.get(key)!r}")
    for name in sorted(set(reference) - set(header)):
        problems.append(f"{name}: missing from the file")
    for name in sorted(set(header) - set(reference)):
        problems.append(f"{name}: not in the reference")
    for name in sorted(set(header) & set(reference)):
        entry, ref = header[name], reference[name]
        begin, end = entry["data_offsets"]
        values = np.frombuffer(data, dtype="<f4", count=(end - begin) // 4, offset=begin)
        if entry["shape"] != ref["shape"]:
            problems.append(f"{name}: expected shape {ref['shape']}, got {entry['shape']}")
            continue
        first = np.array(ref["first"], dtype=np.float64).astype("<f4")
        got = values[: len(first)]
        if got.tobytes() != first.tobytes():
            problems.append(f"{name}: expected first values {first.tolist()}, got {got.tolist()}")
        total = values.astype(np.float64).sum()
        tolerance = 1e-9 * float(np.abs(values.astype(np.float64)).sum()) + 1e-12
        if not abs(total - ref["sum"]) <= tolerance:
            problems.append(f"{name}: expected sum {ref['sum']}, got {total}")
    return problems


def read_reference(path):
    with open(path, encoding="utf-8") as f:
        try:
            reference = json.load(f)
        except json.JSONDecodeError as e:
            raise ValueError(f"{path}: not JSON ({e})") from e
    if not isinstance(reference, dict):
        raise ValueError(f"{path}: expected a JSON object of tensors, got {type(reference).__name__}")
    for name, ref in reference.items():
        keys = {"shape", "sum", "first"} if name != "__metadata__" else set()
        if not isinstance(ref, dict) or not keys <= set(ref):
            raise ValueError(f"{path}: {name}: expected {{shape, sum, first}}, got {ref!r:.80}")
    return reference


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    try:
        with open(argv[1], "rb") as f:
            raw = f.read()
        reference = read_reference(argv[2])
    except (OSError, ValueError) as e:
        print(f"ERROR: {e}", file=sys.stderr)
        return 2
    try:
        header, metadata, data = read_layout(raw)
    except Invalid as e:
        print(f"INVALID {argv[1]}: {e}", file=sys.stderr)
        return 1
    problems = compare(header, metadata, data, reference)
    for p in problems:
        print(f"MISMATCH {p}", file=sys.stderr)
    if problems:
        return 1
    count = sum(int(np.prod(e["shape"], dtype=np.int64)) for e in header.values())
    print(f"OK: {len(header)} tensors, {count} values")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
