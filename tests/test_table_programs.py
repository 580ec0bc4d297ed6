"""The trained table-program engine: execution on a medal table (with a total row) and a small financial table,
the candidates it generates, the shipped ranker weights, and the WTQ / TAT-QA answer scoring."""

from __future__ import annotations

import numpy as np
import pytest
from bench.tableqa.data import split_header
from bench.tableqa.scoring import tat_correct, wtq_correct

from qa.tableqa.candidates import generate, make_context
from qa.tableqa.executors import execute
from qa.tableqa.features import DIM, Featurizer
from qa.tableqa.financial import question_keys, row_scores
from qa.tableqa.financial_parser import ReportView, ScaleModel, answer_financial, build_financial
from qa.tableqa.grid import TypedTable, flatten_header, make_table
from qa.tableqa.mentions import link_cells, question_numbers
from qa.tableqa.parser import answer_table, candidates_for, rank
from qa.tableqa.programs import Cond, Program
from qa.tableqa.ranker import WEIGHTS, Ranker
from qa.tableqa.render import render
from qa.tableqa.report_scale import declared_scales, predict_scale
from qa.tables.types import normalize

HEADER = ["Rank", "Nation", "Gold", "Silver", "Bronze", "Total"]
ROWS = [["1", "Italy", "5", "2", "1", "8"], ["2", "France", "3", "4", "2", "9"],
        ["3", "Spain", "2", "2", "5", "9"], ["4", "Italy (ITA) B", "0", "1", "1", "2"],
        ["Total", "", "10", "9", "9", "28"]]
FIN_HEADER = ["", "2019", "2018"]
FIN_ROWS = [["Revenue", "$1,200", "$1,000"], ["Costs", "(300)", "(250)"]]


@pytest.fixture
def medals() -> TypedTable:
    return make_table(HEADER, ROWS)


@pytest.fixture
def finance() -> TypedTable:
    return make_table(FIN_HEADER, FIN_ROWS)


def _france(col: int = 1) -> Program:
    return Program("select", col, (Cond(1, "=", "france"),))


def _oracle_has(question: str, gold: list[str]) -> bool:
    """Whether any generated candidate for the question executes to the gold answer."""
    t = make_table(HEADER, ROWS)
    return any(wtq_correct(execute(t, p).values, gold) for p in generate(t, make_context(t, question)))


def test_count_skips_the_total_row(medals: TypedTable) -> None:
    assert execute(medals, Program("count")).values == ("4",)
    assert execute(medals, Program("count", conds=(Cond(2, ">=", "", 2.0),))).number == 3


def test_argmax_returns_another_column_and_renders_readably(medals: TypedTable) -> None:
    program = Program("argmax", 1, by=3)
    assert execute(medals, program).values == ("France",)
    assert render(medals, program) == "argmax(Nation, by Silver)"


def test_select_on_equality_reports_the_rows_and_cells_it_read(medals: TypedTable) -> None:
    e = execute(medals, _france(2))
    assert e.values == ("3",) and e.rows == (1,) and e.cells == ((1, 2),)


def test_next_and_prev_read_the_neighbouring_rows(medals: TypedTable) -> None:
    assert execute(medals, Program("next", 1, (Cond(1, "=", "france"),))).values == ("Spain",)
    assert execute(medals, Program("prev", 1, (Cond(1, "=", "france"),))).values == ("Italy",)


def test_compare_picks_the_larger_and_diff_is_the_absolute_difference(medals: TypedTable) -> None:
    compare = Program("compare_max", key=1, by=4, args=("france", "spain"))
    assert execute(medals, compare).values == ("Spain",)
    assert execute(medals, Program("diff", 2, key=1, args=("spain", "italy"))).values == ("3",)


def test_sum_and_avg_skip_the_total_row(medals: TypedTable) -> None:
    assert execute(medals, Program("sum", 2)).number == 10
    assert execute(medals, Program("avg", 5)).number == 7


def test_mode_returns_the_most_frequent_value(medals: TypedTable) -> None:
    assert execute(medals, Program("mode", 3)).values == ("2",)


def test_a_missing_reference_gives_an_empty_result_not_an_error(medals: TypedTable) -> None:
    assert execute(medals, Program("select", 42)).values == ()


def test_financial_cell_arithmetic_and_its_text(finance: TypedTable) -> None:
    pct = Program("cpct", cells=((0, 1), (0, 2)))
    assert execute(finance, pct).number == 20
    assert render(finance, pct) == "(Revenue[2019] - Revenue[2018]) / Revenue[2018] * 100"
    assert execute(finance, Program("csub", cells=((1, 1), (1, 2)))).number == -50
    assert execute(finance, Program("year_of_max", cells=((0, 1), (0, 2)))).values == ("2019",)


def test_multi_row_headers_flatten_to_one_name_per_column() -> None:
    assert flatten_header([["", "2019", "2018"], ["", "Amount", "Amount"]]) == ["", "2019 Amount", "2018 Amount"]


def test_leading_rows_of_years_are_header_rows() -> None:
    header, body = split_header([FIN_HEADER, *FIN_ROWS])
    assert header == [FIN_HEADER] and body == FIN_ROWS


def test_question_numbers_read_digits_separators_and_words() -> None:
    assert question_numbers("more than 10,000 people in two cities") == [10000.0, 2.0]
    assert question_numbers("did attendance pass 1,000,000?") == [1000000.0]


def test_a_mentioned_cell_is_linked_exactly(medals: TypedTable) -> None:
    links = link_cells(medals, normalize("How many gold did France win?"))
    assert any(link.exact and link.col == 1 and link.value == "france" for link in links)


def test_features_are_hashed_ids_below_the_dimension(medals: TypedTable) -> None:
    ctx = make_context(medals, "which nation won the most silver?")
    program = Program("argmax", 1, by=3)
    ids = Featurizer(medals, ctx).extract(program, execute(medals, program))
    assert ids.dtype == np.int32 and len(ids) > 0 and ids.max() < DIM


@pytest.mark.parametrize(("question", "gold"), [
    ("how many nations won at least 3 gold?", ["2"]),
    ("which nation won the most silver medals?", ["France"]),
    ("which nation came after france?", ["Spain"]),
    ("did france or spain win more bronze?", ["Spain"]),
    ("how many more gold did italy win than spain?", ["3"]),
])
def test_the_candidates_contain_the_right_program_for_common_questions(question: str, gold: list[str]) -> None:
    assert _oracle_has(question, gold)


MATCHES = make_table(["Date", "Opponent", "Score"], [["1 May", "Ajax", "5–1"], ["8 May", "PSV", "2–3"],
                                                    ["15 May", "Feyenoord", "6–0"], ["22 May", "Twente", "1–1"]])


@pytest.mark.parametrize(("question", "gold"), [
    ("how many games did they score more than 4 goals?", "2"),  # own side: 5 and 6
    ("how many games did they win?", "2"),
    ("how many games did they lose?", "1"),
    ("how many games ended in a draw?", "1"),
])
def test_score_cells_are_read_as_two_numbers_with_outcome_conditions(question: str, gold: str) -> None:
    found = candidates_for(MATCHES, question)
    counts = {p: x.values for p, x in zip(found.programs, found.execs, strict=True) if p.op == "count"}
    assert any(values == (gold,) and any(c.col == 2 for c in p.conds) for p, values in counts.items())


def test_a_score_side_condition_renders_its_side() -> None:
    program = Program("count", conds=(Cond(2, ">", "own", 4.0),))
    assert render(MATCHES, program) == "count(rows where Score (own) > 4)"
    assert execute(MATCHES, program).values == ("2",)


def test_answer_table_returns_nothing_on_empty_or_ragged_tables() -> None:
    model = Ranker()
    assert answer_table("anything?", [], [], model) == []
    assert isinstance(answer_table("who?", ["a"], [["x", "y", "z"], []], model), list)


def test_candidates_for_keeps_only_programs_that_produce_values(medals: TypedTable) -> None:
    scored = candidates_for(medals, "which nation won the most silver medals?")
    assert scored.programs and all(e.values for e in scored.execs)
    assert len(scored.group.lens) == len(scored.programs)


def test_rank_gives_distinct_answers_best_first(medals: TypedTable) -> None:
    results = rank(medals, candidates_for(medals, "which nation won the most silver medals?"), Ranker(), top=3)
    assert len({r.values for r in results}) == len(results) <= 3
    assert all(0.0 <= r.confidence <= 1.0 for r in results)


def test_the_shipped_wtq_weights_answer_a_superlative_question() -> None:
    model = Ranker.load(str(WEIGHTS / "wtq.npz"))
    best = answer_table("which nation won the most silver medals?", HEADER, ROWS, model)[0]
    assert best.values == ("France",) and best.text == "argmax(Nation, by Silver)"
    assert answer_table("which nation came after france?", HEADER, ROWS, model)[0].values == ("Spain",)


def test_the_shipped_tat_weights_answer_with_a_scale() -> None:
    model = Ranker.load(str(WEIGHTS / "tat.npz"))
    scales = ScaleModel.load(WEIGHTS / "tat_scale.json")
    ask = "What was the percentage change in revenue between 2018 and 2019?"
    best = answer_financial(ask, [FIN_HEADER], FIN_ROWS, model, "in thousands", scale_model=scales)[0]
    assert best.result.values == ("20",) and best.scale == "percent"


def test_wtq_scoring_matches_numbers_and_normalised_strings_as_sets() -> None:
    assert wtq_correct(["2.0"], ["2"])
    assert wtq_correct(["Bangkok, Thailand"], ["bangkok thailand"])
    assert not wtq_correct(["a", "b"], ["a"])


def test_tat_scoring_rounds_numbers_and_requires_the_scale() -> None:
    assert tat_correct(["-9.031"], "percent", "-9.03", "percent")
    assert not tat_correct(["5"], "", "5", "million")


def test_verdicts_answer_with_the_question_words_yes_or_no_or_the_value_named_in_more_rows() -> None:
    t = make_table(HEADER, [*ROWS[:4], ["5", "Spain", "1", "0", "0", "1"]])
    more = Program("word_gt", key=1, by=2, args=("france", "spain", "more", "less"))
    assert execute(t, more).values == ("more",)  # France 3 gold, Spain 2 (its first row)
    assert execute(t, Program("word_lt", key=1, by=2, args=more.args)).values == ("less",)
    assert execute(t, Program("yes_gt", key=1, by=-1, args=("spain", "france"))).values == ("yes",)  # a later row
    assert execute(t, Program("compare_count_max", key=1, args=("france", "spain"))).values == ("Spain",)
    assert render(t, more) == 'word_gt(Nation "france" vs "spain", by Gold) -> more/less'


def test_candidates_cover_more_or_less_yes_no_counts_equal_to_a_number_and_demonyms() -> None:
    assert _oracle_has("did france win more or less silver medals than spain?", ["more"])
    assert _oracle_has("was spain ranked before france?", ["no"])
    assert _oracle_has("how many nations won no gold medals?", ["1"])
    assert _oracle_has("how many nations won exactly two silver medals?", ["2"])
    assert link_cells(make_table(HEADER, ROWS), normalize("how many french athletes won gold?"))[0].value == "france"


def test_outcome_words_in_result_cells_filter_wins_and_losses() -> None:
    t = make_table(["Week", "Opponent", "Result"], [["1", "Denver", "L 3–19"], ["2", "Oakland", "W 28–27"],
                                                    ["3", "Buffalo", "W 22–16"]])
    found = {execute(t, p).values for p in generate(t, make_context(t, "how many games did they win?"))}
    assert ("2",) in found


REPORT_HEADER = ["", "2019", "2018", "2017"]
REPORT_ROWS = [["Raw materials", "$3,445", "$2,897", "$2,100"], ["Finished goods", "6,356", "6,253", "5,000"],
               ["Total inventories", "9,801", "9,150", "7,100"], ["Net loss", "(15,571)", "(24,122)", "(1,000)"]]


def _report_answers(question: str) -> set[tuple[tuple[str, ...], str]]:
    """Each candidate's values (sorted) with its program's text, for a small inventories table."""
    view = ReportView(make_table(REPORT_HEADER, REPORT_ROWS))
    found = build_financial(view, question)
    return {(tuple(sorted(e.values)), render(view.grid, p)) for p, e in zip(found.programs, found.execs, strict=True)}


@pytest.mark.parametrize(("question", "values", "program"), [
    ("What is the average finished goods for 2017-2019?", ("5869.6667",),
     "(Finished goods[2019] + Finished goods[2018] + Finished goods[2017]) / 3"),
    ("What was the total inventories in 2019?", ("9,801",), "Total inventories[2019]"),
    ("What are the components of inventories?", ("Finished goods", "Raw materials"),
     "list(Raw materials, Finished goods)"),
    ("How many components of inventories are there?", ("2",), "count(Raw materials, Finished goods)"),
    ("Which component had the highest value in 2019?", ("Finished goods",),
     "argmax(Raw materials[2019], Finished goods[2019])"),
    ("What is the average net loss in 2018 and 2019?", ("19846.5",), "|(Net loss[2019] + Net loss[2018]) / 2|"),
    ("In which years were finished goods above 6,000?", ("2018", "2019"),
     "years(Finished goods[2019], Finished goods[2018], Finished goods[2017] > 6000)"),
])
def test_report_candidates_cover_ranges_totals_row_sets_and_magnitudes(question: str, values: tuple[str, ...],
                                                                        program: str) -> None:
    assert (values, program) in _report_answers(question)


def test_a_report_answer_is_given_in_a_scale_only_a_declaration_names() -> None:
    view = ReportView(make_table(REPORT_HEADER, REPORT_ROWS))
    lookup = Program("lookup", cells=((0, 1),))
    assert declared_scales(view, lookup) == {"", "percent"}
    declared = ReportView(view.grid, declared="thousand")
    assert declared_scales(declared, lookup) == {"", "percent", "thousand"}
    model = ScaleModel({"bias": [0.0, 1.0, 2.0, 0.0, 0.0]})  # prefers million, then thousand
    assert predict_scale(declared, "what were raw materials in 2019", lookup, execute(view.grid, lookup),
                         model) == "thousand"


def test_the_scale_model_learns_a_declared_scale_and_percent_cells() -> None:
    items = [(["bias", "declared:million"], "million")] * 5 + [(["bias", "pctcell:True"], "percent")] * 5
    model = ScaleModel.fit(items)
    assert model.predict(["bias", "declared:million"]) == "million"
    assert model.predict(["bias", "pctcell:True"]) == "percent"


OFFICERS = [["Gregory S. Clark", "$1,000,000", "$950,000"], ["Nicholas R. Noviello", "$600,000", "$550,000"],
            ["Amy L. Cappellanti-Wolf", "$450,000", "$420,000"]]


def test_report_candidates_average_a_column_over_the_rows_and_count_without_the_total_column() -> None:
    view = ReportView(make_table(["", "FY19 Annual Salary", "FY18 Annual Salary"], OFFICERS))
    found = build_financial(view, "What is the average FY19 annual salary?")
    assert ("683333.3333",) in {e.values for e in found.execs}
    segments = ReportView(make_table(["", "AMER", "APAC", "EMEA", "Total"],
                                     [["Segment revenue", "$1,429,308", "$1,557,205", "$309,933", "$3,296,446"]]))
    counted = build_financial(segments, "How many segments did segment revenue exceed $1,000,000?")
    counts = {e.values for p, e in zip(counted.programs, counted.execs, strict=True) if p.op == "ccount_gt"}
    assert counts == {("2",)}  # AMER and APAC; the Total column is no segment


def test_a_single_year_named_in_a_change_question_is_compared_with_the_year_before() -> None:
    answers = _report_answers("What is the percentage change in finished goods in 2019?")
    assert (("1.6472",), "(Finished goods[2019] - Finished goods[2018]) / Finished goods[2018] * 100") in answers


def test_a_report_row_is_found_by_the_abbreviation_the_question_uses() -> None:
    view = ReportView(make_table(["", "2019", "2018"], [["Selling, general and administrative", "18,245", "16,705"],
                                                        ["Total operating expenses", "34,462", "30,941"]]))
    found = build_financial(view, "What was the SG&A expense in 2019?")
    lookups = {e.values for p, e in zip(found.programs, found.execs, strict=True) if p.op == "lookup"}
    assert ("18,245",) in lookups


def test_columns_that_are_things_are_named_and_counted_without_the_total_column() -> None:
    segments = ReportView(make_table(["", "AMER", "APAC", "EMEA", "Total"],
                                     [["Segment revenue", "$1,429,308", "$1,557,205", "$309,933", "$3,296,446"]]))
    found = build_financial(segments, "Which geographic segments does the table show?")
    answers = {(e.values, render(segments.grid, p)) for p, e in zip(found.programs, found.execs, strict=True)}
    assert (("AMER", "APAC", "EMEA"), "columns(AMER, APAC, EMEA)") in answers
    assert (("3",), "count(AMER, APAC, EMEA)") in answers


BOARD = [["Short-term compensation", "$3,835", "$2,991"], ["", "$3,835", "$2,991"],
         ["Cash remuneration", "$430", "$362"], ["Share-based payments", "1,772", "1,577"], ["", "$2,202", "$1,939"]]


def test_a_subtotal_row_without_a_label_is_named_by_its_section_and_divides_its_rows() -> None:
    view = ReportView(make_table(["", "2019", "2018"], BOARD),
                      sections=("executive management",) * 2 + ("board of directors",) * 3)
    question = "What was the total compensation to the board of directors in 2019?"
    assert row_scores(view, question_keys(normalize(question), question))[0][1] == 4
    found = build_financial(view, "What is the percentage of cash remuneration in the total compensation to the "
                                  "board of directors in 2019?")
    assert ("19.5277",) in {e.values for p, e in zip(found.programs, found.execs, strict=True) if p.op == "cshare"}


def test_a_date_in_a_row_label_does_not_hide_the_total_row_a_question_names() -> None:
    view = ReportView(make_table(["", "2019", "2018"], [["Accrued Interest", "163", "1,598"],
                                                        ["Accrued Expenses", "11,569", "7,362"],
                                                        ["Total as of December 31,", "15,562", "8,960"]]))
    question = "What is the total accrued liabilities in 2019?"
    (best, row), (second, _) = row_scores(view, question_keys(normalize(question), question))[:2]
    assert row == 2 and best > second
