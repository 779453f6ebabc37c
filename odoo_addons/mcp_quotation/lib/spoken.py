"""What a speech-to-text engine writes for a caller, in the catalogue's terms.

Plain Python, no ORM: the product lookup searches the words as said and, when
it differs, this written form of them, with numbers said as words in Spanish
or English as digits ("cuarenta y ocho voltios" -> "48V"), and references read
out letter by letter put back together ("G E N 0 0 0 5 1 9" -> "GEN 000519").
"""

import re
import unicodedata

_UNITS = {
    "cero": 0,
    "zero": 0,
    "uno": 1,
    "one": 1,
    "dos": 2,
    "two": 2,
    "tres": 3,
    "three": 3,
    "cuatro": 4,
    "four": 4,
    "cinco": 5,
    "five": 5,
    "seis": 6,
    "six": 6,
    "siete": 7,
    "seven": 7,
    "ocho": 8,
    "eight": 8,
    "nueve": 9,
    "nine": 9,
}
_NUMBERS = {
    **_UNITS,
    # "un" and "una" are articles alone; they count only inside a number
    # ("treinta y un", "veintiuna").
    "un": 1,
    "una": 1,
    "diez": 10,
    "ten": 10,
    "once": 11,
    "eleven": 11,
    "doce": 12,
    "twelve": 12,
    "trece": 13,
    "thirteen": 13,
    "catorce": 14,
    "fourteen": 14,
    "quince": 15,
    "fifteen": 15,
    "dieciseis": 16,
    "sixteen": 16,
    "diecisiete": 17,
    "seventeen": 17,
    "dieciocho": 18,
    "eighteen": 18,
    "diecinueve": 19,
    "nineteen": 19,
    "veinte": 20,
    "twenty": 20,
    "veintiun": 21,
    "veintiuno": 21,
    "veintiuna": 21,
    "veintidos": 22,
    "veintitres": 23,
    "veinticuatro": 24,
    "veinticinco": 25,
    "veintiseis": 26,
    "veintisiete": 27,
    "veintiocho": 28,
    "veintinueve": 29,
    "treinta": 30,
    "thirty": 30,
    "cuarenta": 40,
    "forty": 40,
    "cincuenta": 50,
    "fifty": 50,
    "sesenta": 60,
    "sixty": 60,
    "setenta": 70,
    "seventy": 70,
    "ochenta": 80,
    "eighty": 80,
    "noventa": 90,
    "ninety": 90,
    "cien": 100,
    "ciento": 100,
    "doscientos": 200,
    "doscientas": 200,
    "trescientos": 300,
    "trescientas": 300,
    "cuatrocientos": 400,
    "cuatrocientas": 400,
    "quinientos": 500,
    "quinientas": 500,
    "seiscientos": 600,
    "seiscientas": 600,
    "setecientos": 700,
    "setecientas": 700,
    "ochocientos": 800,
    "ochocientas": 800,
    "novecientos": 900,
    "novecientas": 900,
}
_HUNDRED = {"hundred"}
_THOUSAND = {"mil", "thousand"}
_AND = {"y", "and"}
_ARTICLES = {"un", "una"}
# Units said after a number, as catalogues write them after it: "48V".
_SYMBOLS = {
    "voltio": "V",
    "voltios": "V",
    "volt": "V",
    "volts": "V",
    "vatio": "W",
    "vatios": "W",
    "watt": "W",
    "watts": "W",
    "amperio": "A",
    "amperios": "A",
    "amp": "A",
    "amps": "A",
    "milimetro": "mm",
    "milimetros": "mm",
    "millimetre": "mm",
    "millimetres": "mm",
    "millimeter": "mm",
    "millimeters": "mm",
    "centimetro": "cm",
    "centimetros": "cm",
    "centimetre": "cm",
    "centimetres": "cm",
    "centimeter": "cm",
    "centimeters": "cm",
    "metro": "m",
    "metros": "m",
    "metre": "m",
    "metres": "m",
    "meter": "m",
    "meters": "m",
    "kilo": "kg",
    "kilos": "kg",
    "kilogramo": "kg",
    "kilogramos": "kg",
    "kilogram": "kg",
    "kilograms": "kg",
    "litro": "L",
    "litros": "L",
    "litre": "L",
    "litres": "L",
    "liter": "L",
    "liters": "L",
}


def _plain(word):
    """``word`` lower-case and without accents: "Veintidós" -> "veintidos"."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _joins(number, value):
    """Whether ``value`` said after ``number`` continues it (40, 8 -> 48).

    A unit after a unit does not ("cinco uno" is 5 then 1, a digit at a time),
    nor does anything after zero.
    """
    return number > 0 and number % 10 ** len(str(value)) == 0


def _read_number(plain, start):
    """The number said from ``plain[start]``, and the index after it.

    None when no number starts there.
    """
    first = plain[start]
    if first in _ARTICLES or first not in _NUMBERS and first not in _THOUSAND:
        return None, start
    total = current = 0
    index = start
    while index < len(plain):
        word = plain[index]
        if word in _AND and 0 < current and index + 1 < len(plain):
            following = _NUMBERS.get(plain[index + 1])
            if following is None or not _joins(current, following):
                break
            current += following
            index += 2
            continue
        if word in _HUNDRED and 0 < current < 10:
            current *= 100
        elif word in _THOUSAND and total == 0 and current < 1000:
            total, current = max(current, 1) * 1000, 0
        elif word in _NUMBERS and index == start:
            current = _NUMBERS[word]
            if current == 0:
                return "0", index + 1
        elif word in _NUMBERS and _NUMBERS[word] and _joins(current, _NUMBERS[word]):
            current += _NUMBERS[word]
        elif word in _NUMBERS and total and current == 0 and _NUMBERS[word]:
            current = _NUMBERS[word]
        else:
            break
        index += 1
    return str(total + current), index


def _numbers_as_digits(words):
    """The words with each number said in words as its digits."""
    plain = [_plain(word) for word in words]
    written = []
    index = 0
    while index < len(words):
        number, after = _read_number(plain, index)
        if number is None:
            written.append(words[index])
            index += 1
        else:
            written.append(number)
            index = after
    return written


def _units_as_symbols(words):
    """A unit said after a number joined to it as its symbol: "48 voltios" -> "48V"."""
    written = []
    for word in words:
        symbol = _SYMBOLS.get(_plain(word))
        if symbol and written and written[-1].isdigit():
            written[-1] += symbol
        else:
            written.append(word)
    return written


def _spelt_out_joined(words):
    """Runs of single letters and digits, read one at a time, joined again.

    Letters and digits stay apart, as references write them: "G E N 0 0 0 5 1
    9" -> "GEN 000519".
    """
    written = []
    run = []
    for word in [*words, ""]:
        if len(word) == 1 and word.isalnum():
            run.append(word)
            continue
        if len(run) > 1:
            written += re.findall(r"\d+|\D+", "".join(run))
        else:
            written += run
        run = []
        if word:
            written.append(word)
    return written


def written_form(words):
    """``words`` as a catalogue writes them: digits, references joined again."""
    tokens = re.split(r"[\s\-]+", words.strip())
    tokens = [token for token in tokens if token]
    return " ".join(_spelt_out_joined(_units_as_symbols(_numbers_as_digits(tokens))))


def spoken_forms(words):
    """The forms of ``words`` the lookup searches: as said, then as written."""
    written = written_form(words)
    if written.lower() == " ".join(words.split()).lower():
        return [words]
    return [words, written]
