"""Reading a page image with Tesseract (the Debian `tesseract-ocr` binary, through pytesseract)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass

import pytesseract
from PIL.Image import Image

OCR_DPI = 200  # Tesseract reads printed text best from about 200-300 dpi; 200 keeps a page under a second or two


@dataclass(frozen=True)
class Word:
    """A word on a page and its box, in PDF points from the top-left corner; `size` is its text height."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    size: float


def tesseract_available() -> bool:
    return shutil.which(pytesseract.pytesseract.tesseract_cmd) is not None


def ocr_words(image: Image, scale: float) -> list[Word]:
    """The words Tesseract reads in an image rendered at `scale` pixels per point, placed in points."""
    data = pytesseract.image_to_data(image, output_type=pytesseract.Output.DICT)
    words = []
    for i, text in enumerate(data["text"]):
        # conf -1 marks Tesseract's block, paragraph and line records, which carry no text of their own.
        if not str(text).strip() or float(data["conf"][i]) < 0:
            continue
        left, top, width, height = (float(data[k][i]) / scale for k in ("left", "top", "width", "height"))
        words.append(Word(str(text).strip(), left, top, left + width, top + height, height))
    return words
