"""Question numbers: what a respondent and a colleague on the phone call a question by."""

from surveys.models import Item, Question


def question_numbers(items_in_order: list[Item]) -> dict[int, int]:
    """Each question's number (by question id): its place among the questionnaire's questions,
    counted in section order then item order (questionnaire_items_in_order). A note asks nothing,
    so it gets no number and is not counted. Conditions and links do not change a number: everyone
    answering the round's questionnaire means the same question by "question 7"."""
    numbers: dict[int, int] = {}
    for item in items_in_order:
        if item.question.type != Question.Type.NOTE:
            numbers[item.question_id] = len(numbers) + 1
    return numbers


def question_label(text: str, number: int | None) -> str:
    """A question's text with its number in front, as every page and the receipt show it."""
    return f"{number}. {text}" if number else text
