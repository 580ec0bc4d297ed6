"""Program kinds of the learned table engine that answer against a named row, say yes or no, measure lengths of
time, read a column's cells as given or not, or several named values: the answer and the program a user sees."""

from __future__ import annotations

from qa.tableqa.executors import execute
from qa.tableqa.grid import TypedTable, make_table
from qa.tableqa.parser import answer_table, candidates_for
from qa.tableqa.programs import Cond, Program
from qa.tableqa.ranker import WEIGHTS, Ranker
from qa.tableqa.render import render

MEDALS = make_table(["Rank", "Nation", "Gold", "Silver", "Bronze", "Total"],
                    [["1", "Italy (ITA)", "5", "2", "1", "8"], ["2", "France (FRA)", "3", "4", "2", "9"],
                     ["3", "Spain (ESP)", "2", "2", "5", "9"], ["4", "Japan (JPN)", "0", "1", "1", "2"],
                     ["Total", "", "10", "9", "9", "28"]])
SEASONS = [["Year", "Division", "League", "Regular Season", "Playoffs", "Open Cup"],
           ["2001", "2", "USL A-League", "4th, Western", "Quarterfinals", "Did not qualify"],
           ["2002", "2", "USL A-League", "2nd, Pacific", "1st Round", "Did not qualify"],
           ["2003", "2", "USL A-League", "3rd, Pacific", "Did not qualify", "Did not qualify"],
           ["2004", "2", "USL A-League", "1st, Western", "Quarterfinals", "4th Round"],
           ["2005", "2", "USL First Division", "5th", "Quarterfinals", "4th Round"],
           ["2006", "2", "USL First Division", "11th", "Did not qualify", "3rd Round"],
           ["2007", "2", "USL First Division", "2nd", "Semifinals", "2nd Round"],
           ["2008", "2", "USL First Division", "11th", "Did not qualify", "1st Round"],
           ["2009", "2", "USL First Division", "1st", "Semifinals", "3rd Round"],
           ["2010", "2", "USSF D-2 Pro League", "3rd, USL (3rd)", "Quarterfinals", "3rd Round"]]
OFFICE = make_table(["Name", "Party", "From", "To", "Service"],
                    [["Ann Lee", "Whig", "1801", "1807", "1801–1807"], ["Bo Park", "Tory", "1807", "1819", "1807–19"],
                     ["Cy Dunn", "Whig", "1819", "1820", "1819–1820"]])
RACE = make_table(["Rank", "Athlete", "Time"], [["1", "A. Ek", "1:55.92"], ["2", "B. Oh", "1:56.40"],
                                                ["3", "C. Wu", "1:56.94"]])


def _found(t: TypedTable, question: str) -> dict[str, tuple[str, ...]]:
    """Each candidate's program text and its answer."""
    s = candidates_for(t, question)
    return {render(t, p): e.values for p, e in zip(s.programs, s.execs, strict=True)}


def test_rows_are_compared_with_a_named_rows_value_and_the_total_row_is_left_out() -> None:
    found = _found(MEDALS, "which nations won more gold than spain?")
    assert found['select(Nation where Gold > Gold[Nation = "spain"])'] == ("Italy (ITA)", "France (FRA)")
    assert found['count(rows where Gold > Gold[Nation = "spain"])'] == ("2",)
    # "the next highest after X": the nearest row beyond its value
    assert found['argmin(Nation, by Gold where Gold > Gold[Nation = "spain"])'] == ("France (FRA)",)


def test_the_same_value_as_a_named_row_names_the_other_rows() -> None:
    found = _found(MEDALS, "which nation won the same number of silver medals as spain?")
    assert found['select(Nation where Silver == Silver[Nation = "spain"] and Nation != "spain")'] == ("Italy (ITA)",)


def test_yes_or_no_over_the_rows_a_filter_keeps_and_over_their_number() -> None:
    found = _found(MEDALS, "did france win more than 3 silver medals?")
    assert found['yes_if(count(rows where Silver > 3 and Nation = "france") > 0)'] == ("yes",)
    found = _found(MEDALS, "are there more than 5 nations?")
    assert found["yes_if(count(rows) > 5)"] == ("no",)  # four nations: the total row is not one
    program = Program("yes_same", by=3, key=1, args=("italy", "spain"))
    assert execute(MEDALS, program).values == ("yes",)
    assert render(MEDALS, program) == 'yes_same(Nation "italy" vs "spain", by Silver)'


def test_a_column_that_says_a_thing_did_not_happen_is_counted_as_given_or_not() -> None:
    t = make_table(SEASONS[0], SEASONS[1:])
    found = _found(t, "how many years did they make the playoffs?")
    assert found["count(rows where Playoffs is given)"] == ("7",)
    assert found["count(rows where Playoffs is not given)"] == ("3",)


def test_the_shipped_weights_count_the_playoff_years_not_every_row() -> None:
    model = Ranker.load(str(WEIGHTS / "wtq.npz"))
    best = answer_table("how many years did they make the playoffs?", SEASONS[0], SEASONS[1:], model)[0]
    assert best.values == ("7",) and best.text == "count(rows where Playoffs is given)"


def test_lengths_of_time_in_years_from_columns_ranges_and_two_named_rows() -> None:
    found = _found(OFFICE, "how long was bo park in office?")
    assert found['years_between(From, To where Name = "bo park") in years'] == ("12 years",)
    assert found['years_spanned(Service where Name = "bo park") in years'] == ("12 years",)  # "1807–19"
    assert _found(OFFICE, "how long did the whig party hold office?")[
        'years_spanned(From where Party = "whig") in years'] == ("18 years",)
    found = _found(OFFICE, "how long was it between ann lee and cy dunn taking office?")
    assert found['years_between(From[Name = "ann lee"], From[Name = "cy dunn"]) in years'] == ("18 years",)
    one = _found(OFFICE, "how long was cy dunn in office?")
    assert one['years_between(From, To where Name = "cy dunn") in years'] == ("1 year",)
    assert _found(OFFICE, "how many years was bo park in office?")[
        'years_between(From, To where Name = "bo park")'] == ("12",)


def test_sums_and_averages_of_times_are_written_as_times() -> None:
    assert execute(RACE, Program("avg", 2)).values == ("1:56.42",)
    assert execute(RACE, Program("sum", 2)).values == ("5:49.26",)
    # a gap under a minute is said in seconds
    assert execute(RACE, Program("diff", 2, key=1, args=("a ek", "c wu"))).values == ("1.02",)


def test_several_named_values_of_one_column_and_names_without_their_notes() -> None:
    found = _found(MEDALS, "how many medals did italy and japan win in total?")
    assert found['sum(Total where Nation in ("italy", "japan"))'] == ("10",)
    found = _found(MEDALS, "which nation won the most gold?")
    assert found["argmax(name of Nation, by Gold)"] == ("Italy",)
    assert execute(MEDALS, Program("count", conds=(Cond(1, "in", "spain|japan"),))).values == ("2",)


def test_a_count_against_the_questions_number_answers_with_the_questions_words() -> None:
    found = _found(MEDALS, "are there more or less than 3 nations?")
    assert found["word_if(count(rows) > 3) -> more/less"] == ("more",)


def test_a_time_in_the_question_compares_with_a_time_column() -> None:
    found = _found(RACE, "how many athletes finished in less than 1:56.5?")
    assert found["count(rows where Time < 1:56.5)"] == ("2",)
    assert found["avg(Time where Time < 1:56.5)"] == ("1:56.16",)
