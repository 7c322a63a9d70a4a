"""OCSO batch files for the worker's end-to-end tests and benchmark (spec:
../shared/specs/ocso-batch-files.md). Python standard library only; amounts in integer cents.

Small files are built from `Payment`/`Line` values with `ij_file()`, then bent by the tests (a
trailer off by one, CRLF, a BOM…). Large files are streamed to disk by `write_ij()` without
holding them in memory. Run as a script for the benchmark:

    python3 tests/e2e/batchfiles.py ij --out FILE --lines N --batch-id ID --targets TSV \
        [--copy-r FILE --copy-l FILE] [--seed S]

where TSV holds `client_number<TAB>siret<TAB>matricule` rows (the insured people to pay); it
prints one JSON object: payments, lines, records, control amount.
"""

import datetime
import json
import random
import sys
import uuid

DEMO_CLIENT = "1234567"
DEMO_SIRET = "99999999800019"
DEMO_MATRICULES = [f"1234567000{n:02d}" for n in range(1, 6)]
CREATED_AT = "2026-11-25T22:14:03+01:00"
SENDER = "OCSO e2e"
NATURES = ("MAL", "MAT", "PAT", "ATP", "TPT")


def unique(prefix="", length=12):
    """A reference no other test (or run) uses: prefix + uuid hex, at most 32 characters."""
    return (prefix + uuid.uuid4().hex[:length])[:32]


def cents(text):
    """'553.80' -> 55380, '-12.00' -> -1200."""
    negative = text.startswith("-")
    units, _, decimals = text.lstrip("-").partition(".")
    value = int(units) * 100 + int(decimals)
    return -value if negative else value


def money(value):
    """55380 -> '553.80', -1200 -> '-12.00': the file's amount syntax."""
    sign = "-" if value < 0 else ""
    value = abs(value)
    return f"{sign}{value // 100}.{value % 100:02d}"


def iso(day):
    return day.isoformat()


class Line:
    """One `L` record; amounts in cents. days defaults to the period's calendar days."""

    def __init__(self, matricule, start="2021-05-07", end="2021-05-26", ss=3234, insurer=6003, other=0,
                 nature="MAL", name="MARTIN Claire", days=None):
        self.matricule, self.start, self.end = matricule, start, end
        self.ss, self.insurer, self.other, self.nature, self.name = ss, insurer, other, nature, name
        period = (datetime.date.fromisoformat(end) - datetime.date.fromisoformat(start)).days + 1
        self.days = period if days is None else days

    @property
    def amount(self):
        return self.days * (self.insurer - self.ss) + self.other

    def record(self, ref):
        return ";".join(["L", ref, self.matricule, self.name, self.start, self.end, self.nature, str(self.days),
                         money(self.ss), money(self.other), money(self.insurer)])


class Payment:
    """One `R` record with its lines; amount defaults to the exact sum of the lines."""

    def __init__(self, ref, lines, client=DEMO_CLIENT, siret=DEMO_SIRET, date="2021-06-18", amount=None):
        self.ref, self.lines, self.client, self.siret, self.date = ref, lines, client, siret, date
        self.amount = sum(line.amount for line in lines) if amount is None else amount

    def records(self):
        return [";".join(["R", self.ref, self.client, self.siret, self.date, money(self.amount)])] + \
            [line.record(self.ref) for line in self.lines]


def guide_payment(ref, matricule=DEMO_MATRICULES[0], **kwargs):
    """The guide's example: 07/05/2021 to 26/05/2021, 20 × (60.03 − 32.34) + 0.00 = 553.80."""
    return Payment(ref, [Line(matricule)], **kwargs)


def header(file_type, batch_id, sender=SENDER):
    return f"H;{file_type};1;{batch_id};{CREATED_AT};{sender}"


def ij_records(batch_id, payments):
    """Header, records and a matching trailer, as a list of record strings."""
    body = [record for payment in payments for record in payment.records()]
    lines = sum(len(payment.lines) for payment in payments)
    control = sum(payment.amount for payment in payments)
    trailer = f"T;{len(body) + 2};{len(payments)};{lines};{money(control)}"
    return [header("IJ", batch_id)] + body + [trailer]


def join(records, eol="\n", final_eol=True, bom=False):
    text = eol.join(records) + (eol if final_eol else "")
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")


def ij_file(batch_id, payments, **kwargs):
    """The bytes of a well-formed IJ file (kwargs: eol, final_eol, bom)."""
    return join(ij_records(batch_id, payments), **kwargs)


def nir(first13):
    """A NIR with its key: 97 − (first 13 digits mod 97), Corsica 2A → 19, 2B → 18."""
    digits = first13.replace("2A", "19").replace("2B", "18")
    return f"{first13}{97 - int(digits) % 97:02d}"


def insured_record(matricule, nir_value, client=DEMO_CLIENT, last="DUPONT", first="Marie"):
    return ";".join(["I", client, matricule, last, first, nir_value, "1985-05-12", "1 rue de la Paix", "75002", "PARIS"])


def aff_file(batch_id, records, count1=None, count2=None, **kwargs):
    """An AFF file: records are strings; the trailer counts C+G and I+A+B unless told."""
    c1 = sum(1 for r in records if r[0] in "CG") if count1 is None else count1
    c2 = sum(1 for r in records if r[0] in "IAB") if count2 is None else count2
    trailer = f"T;{len(records) + 2};{c1};{c2};0.00"
    return join([header("AFF", batch_id)] + records + [trailer], **kwargs)


# --------------------------------------------------------------------------- large files


def write_ij(path, batch_id, n_lines, targets, ref_prefix=None, seed=1, copy_r=None, copy_l=None):
    """Streams an IJ file of about `n_lines` records (header and trailer included) to `path`.

    targets: [(client_number, siret, matricule)], each payment goes to one target's structure and
    its 1–3 lines to that structure's insured people (consecutive targets of the same client).
    Payment refs are `ref_prefix` + a counter (unique per call with the default uuid prefix).
    Amounts are exact: line = days × (insurer − ss) + other, R = sum of its lines.

    copy_r / copy_l: also write the same R and L records, without their type, as
    tab-separated files for `\\copy` into typed tables (benchmark baseline).
    Returns {"payments", "lines", "records", "control_cents", "control", "prefix"}. The same seed
    and targets give the same amounts whatever the prefix.
    """
    rng = random.Random(seed)
    prefix = ref_prefix if ref_prefix is not None else unique("K", 10) + "-"
    by_client = {}
    for client, siret, matricule in targets:
        by_client.setdefault((client, siret), []).append(matricule)
    structures = list(by_client.items())
    base = datetime.date(2026, 1, 1)
    payments = lines = 0
    control = 0
    out = open(path, "w", encoding="utf-8", newline="\n")
    cr = open(copy_r, "w", encoding="utf-8", newline="\n") if copy_r else None
    cl = open(copy_l, "w", encoding="utf-8", newline="\n") if copy_l else None
    try:
        out.write(header("IJ", batch_id) + "\n")
        budget = n_lines - 2
        chunk, chunk_r, chunk_l = [], [], []
        while budget >= 2:
            per = min(rng.randint(1, 3), budget - 1)
            (client, siret), matricules = structures[rng.randrange(len(structures))]
            ref = f"{prefix}{payments}"
            records, total = [], 0
            for n in range(per):
                start = base + datetime.timedelta(days=rng.randrange(300))
                days = rng.randint(1, 60)
                end = start + datetime.timedelta(days=days - 1)
                ss = rng.randint(1000, 6000)
                insurer = ss + rng.randint(0, 4000)
                other = rng.choice((0, 0, 0, rng.randint(-5000, 5000)))
                amount = days * (insurer - ss) + other
                total += amount
                fields = [ref, matricules[(payments + n) % len(matricules)], f"NOM{n} Prénom", iso(start), iso(end),
                          NATURES[(payments + n) % 5], str(days), money(ss), money(other), money(insurer)]
                records.append("L;" + ";".join(fields))
                if cl:
                    chunk_l.append("\t".join(fields))
            r_fields = [ref, client, siret, iso(base + datetime.timedelta(days=300 + rng.randrange(60))), money(total)]
            chunk.append("R;" + ";".join(r_fields))
            chunk.extend(records)
            if cr:
                chunk_r.append("\t".join(r_fields))
            payments += 1
            lines += per
            control += total
            budget -= per + 1
            if len(chunk) >= 20000:
                out.write("\n".join(chunk) + "\n")
                chunk = []
                if cr:
                    cr.write("\n".join(chunk_r) + "\n")
                    cl.write("\n".join(chunk_l) + "\n")
                    chunk_r, chunk_l = [], []
        if chunk:
            out.write("\n".join(chunk) + "\n")
        if cr and chunk_r:
            cr.write("\n".join(chunk_r) + "\n")
            cl.write("\n".join(chunk_l) + "\n")
        records = payments + lines + 2
        out.write(f"T;{records};{payments};{lines};{money(control)}\n")
    finally:
        out.close()
        if cr:
            cr.close()
            cl.close()
    return {"payments": payments, "lines": lines, "records": records, "control_cents": control,
            "control": money(control), "prefix": prefix}


def _main(argv):
    import argparse
    parser = argparse.ArgumentParser(description="Generate an OCSO IJ batch file.")
    sub = parser.add_subparsers(dest="command", required=True)
    ij = sub.add_parser("ij")
    ij.add_argument("--out", required=True)
    ij.add_argument("--lines", type=int, required=True)
    ij.add_argument("--batch-id", required=True)
    ij.add_argument("--targets", required=True, help="TSV: client_number, siret, matricule")
    ij.add_argument("--ref-prefix")
    ij.add_argument("--seed", type=int, default=1)
    ij.add_argument("--copy-r")
    ij.add_argument("--copy-l")
    args = parser.parse_args(argv)
    with open(args.targets, encoding="utf-8") as f:
        targets = [tuple(line.rstrip("\n").split("\t")) for line in f if line.strip()]
    if not targets:
        parser.error("no targets")
    stats = write_ij(args.out, args.batch_id, args.lines, targets, ref_prefix=args.ref_prefix, seed=args.seed,
                     copy_r=args.copy_r, copy_l=args.copy_l)
    print(json.dumps(stats))


if __name__ == "__main__":
    _main(sys.argv[1:])
