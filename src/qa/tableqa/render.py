"""Readable text of a program: count(rows where Nation = "italy" and Rank <= 10), (Revenue[2019] - Revenue[2018])."""
from __future__ import annotations

from dataclasses import replace

from qa.tableqa.grid import TypedTable
from qa.tableqa.programs import SCORE_PARTS, SPAN_OPS, SUPER_OPS, VERDICT_OPS, YES_OPS, Cond, Program, fmt
from qa.tableqa.spans import clock


def _cond_text(t: TypedTable, c: Cond) -> str:
    h = t.header[c.col]
    if c.ref_col >= 0:  # a named row's value: Length > Length[Name = "x"]
        return f'{h} {c.op} {h}[{t.header[c.ref_col]} = "{c.ref_val}"]'
    if c.op == "in":
        return f"{h} in (" + ", ".join(f'"{v}"' for v in c.value.split("|")) + ")"
    if c.op in ("pos", "neg"):
        return f"{h} is {'given' if c.op == 'pos' else 'not given'}"
    val = f'"{c.value}"' if c.num is None else fmt(c.num)
    if c.num is not None and t.types[c.col] == "duration":  # a time as it is written: Time < 1:56.5
        val = clock(c.num, len(val.partition(".")[2]))
    op = "contains" if c.op == "has" else c.op
    side = f" ({c.value})" if c.value in SCORE_PARTS else ""
    return f"{h}{side} {op} {val}"


def _render_cells(t: TypedTable, p: Program) -> str:
    """Readable text of a program over explicit cells, such as (Revenue[2019] - Revenue[2018]) / Revenue[2018] * 100."""
    h = t.header
    # a label cell is its row's name ("list(Raw materials, Finished goods)"), any other cell row[column]
    ref = [t.rows[r][0] or h[0] if c == 0 else f"{t.rows[r][0] or h[0]}[{h[c]}]" for r, c in p.cells]
    sym = {"csub": " - ", "cratio": " / ", "csum": " + "}.get(p.op)
    if p.op == "lookup":
        return ref[0]
    if p.op == "col_years":
        return "years(" + ", ".join(h[c] for _, c in p.cells) + ")"
    if p.op == "cheaders":
        return "columns(" + ", ".join(h[c] for _, c in p.cells) + ")"
    if p.op == "crows":
        return f"count({', '.join(h[c] for _, c in p.cells) if p.args == ('cols',) else ', '.join(ref)})"
    if p.op in ("crow_max", "crow_min"):
        return f"{'argmax' if p.op == 'crow_max' else 'argmin'}({', '.join(ref)})"
    if p.op.startswith("cyears"):
        return f"years({', '.join(ref)} {'>' if p.op == 'cyears_gt' else '<'} {p.args[0]})"
    if p.op.startswith("ccount"):
        return f"count({', '.join(ref)} {'>' if p.op == 'ccount_gt' else '<'} {p.args[0]})"
    if p.op.startswith("year_of"):
        return f"column_{p.op}({', '.join(ref)})"
    if p.op == "clist":
        return "list(" + ", ".join(ref) + ")"
    if sym:
        return sym.join(ref)
    if p.op == "cavg":
        return f"({' + '.join(ref)}) / {len(ref)}"
    return f"({ref[0]} - {ref[1]}) / {ref[1]} * 100" if p.op == "cpct" else f"{ref[0]} / {ref[1]} * 100"


def _render_verdict(t: TypedTable, p: Program, w: str) -> str:
    """Yes/no and word answers over rows, yes_same, and lengths of time in years."""
    h = t.header
    if p.op.startswith("word_count"):
        words = "/".join(p.args[1:3])
        return f"word_if(count(rows{w}) {'>' if p.op.endswith('_gt') else '<'} {p.args[0]}) -> {words}"
    if p.op in YES_OPS:
        test = "> 0" if p.op == "yes_any" else f"{p.args[0]} {p.args[1]}"
        return f"yes_if(count(rows{w}) {test})"
    if p.op == "yes_same":
        return f'yes_same({h[p.key]} "{p.args[0]}" vs "{p.args[1]}", by {h[p.by]})'
    unit = f" in {p.args[-1]}" if p.args and p.args[-1] else ""
    if p.op == "span_pair":
        a, b = (f'{h[p.col]}[{h[p.key]} = "{x}"]' for x in p.args[:2])
        return f"years_between({a}, {b}){unit}"
    if p.op == "span2":
        return f"years_between({h[p.col]}, {h[p.by]}{w}){unit}"
    return f"years_spanned({h[p.col]}{w}){unit}"


def render(t: TypedTable, p: Program) -> str:
    """Readable text such as count(rows where Nation = "italy" and Rank <= 10)."""
    if p.cells and p.args == ("abs",):  # the magnitude of a negative figure
        return f"|{_render_cells(t, replace(p, args=()))}|"
    h = t.header
    where = " and ".join(_cond_text(t, c) for c in p.conds)
    w = f" where {where}" if where else ""
    if p.cells:
        return _render_cells(t, p)
    if p.op in SUPER_OPS:
        name = "name of " if p.args == ("prim",) else ""
        return f"{p.op}({name}{h[p.col]}, by {h[p.by]}{w})"
    if p.op in YES_OPS or p.op in SPAN_OPS or p.op == "yes_same":
        return _render_verdict(t, p, w)
    if p.op in VERDICT_OPS:
        by = "rows" if p.op.startswith("compare_count") else h[p.by] if p.by >= 0 else "row order"
        words = "" if p.op.startswith("compare_count") else " -> " + ("/".join(p.args[2:4]) or "yes/no")
        return f'{p.op}({h[p.key]} "{p.args[0]}" vs "{p.args[1]}", by {by}){words}'
    if p.op in ("compare_max", "compare_min"):
        by = h[p.by] if p.by >= 0 else "row order"
        return f'{p.op}({h[p.key]} in "{p.args[0]}" or "{p.args[1]}", by {by})'
    if p.op == "sum2":
        return f'{h[p.col]}[{h[p.key]} = "{p.args[0]}"] + {h[p.col]}[{h[p.key]} = "{p.args[1]}"]'
    if p.op == "diff":
        return f'|{h[p.col]}[{h[p.key]} = "{p.args[0]}"] - {h[p.col]}[{h[p.key]} = "{p.args[1]}"]|'
    if p.op == "diff_cols":
        return f"|{h[p.col]} - {h[p.by]}|{w}"
    if p.op == "count":
        return f"count(rows{w})"
    if p.args == ("prim",):  # the cells without their parenthesised notes
        return f"{p.op}(name of {h[p.col]}{w})"
    return f"{p.op}({h[p.col]}{w})"
