from odoo.tests import BaseCase, tagged

from ..lib.spoken import spoken_forms, written_form


@tagged("post_install", "-at_install", "mcp_quotation")
class TestSpokenForms(BaseCase):
    def test_spanish_numbers_said_as_words_become_digits(self):
        """Spanish numbers, accents or not, are written as their digits."""
        for said, written in [
            ("cuarenta y ocho", "48"),
            ("veintidós", "22"),
            ("veintidos", "22"),
            ("treinta y un", "31"),
            ("ciento cuarenta y ocho", "148"),
            ("quinientos doce", "512"),
            ("mil doscientos", "1200"),
            ("dos mil quinientos", "2500"),
            ("diez", "10"),
        ]:
            with self.subTest(said=said):
                self.assertEqual(written_form(said), written)

    def test_english_numbers_said_as_words_become_digits(self):
        """English numbers, hyphenated or not, are written as their digits."""
        for said, written in [
            ("forty-eight", "48"),
            ("forty eight", "48"),
            ("five hundred and twelve", "512"),
            ("two thousand five hundred", "2500"),
            ("nineteen", "19"),
        ]:
            with self.subTest(said=said):
                self.assertEqual(written_form(said), written)

    def test_a_unit_after_a_number_becomes_its_symbol(self):
        """'cuarenta y ocho voltios' is written '48V', as catalogues do."""
        self.assertEqual(written_form("cuarenta y ocho voltios"), "48V")
        self.assertEqual(written_form("batería de 48 voltios"), "batería de 48V")
        self.assertEqual(written_form("twelve volts"), "12V")
        self.assertEqual(written_form("dos mil vatios"), "2000W")
        # A unit that follows no number stays a word.
        self.assertEqual(written_form("metro de costura"), "metro de costura")

    def test_references_read_letter_by_letter_are_joined(self):
        """Spaces or hyphens between letters and digits read out one at a time go."""
        for said in [
            "G E N 0 0 0 5 1 9",
            "G-E-N-0-0-0-5-1-9",
            "g e n cero cero cero cinco uno nueve",
            "G E N zero zero zero five one nine",
        ]:
            with self.subTest(said=said):
                self.assertEqual(written_form(said).upper(), "GEN 000519")

    def test_digits_said_one_at_a_time_are_not_added_up(self):
        """'cinco uno nueve' is 519, not 15; zero never starts a sum."""
        self.assertEqual(written_form("cinco uno nueve"), "519")
        self.assertEqual(written_form("cero cinco"), "05")
        self.assertEqual(written_form("veinte cero"), "20 0")

    def test_articles_and_other_words_stay(self):
        """'una silla' keeps its article; words that are no number are kept as said."""
        self.assertEqual(written_form("una silla de oficina"), "una silla de oficina")
        self.assertEqual(written_form("Café Crème"), "Café Crème")
        self.assertEqual(written_form("mesa y silla"), "mesa y silla")

    def test_spoken_forms_add_the_written_form_only_when_it_differs(self):
        """The words as said come first; an unchanged form is not searched twice."""
        self.assertEqual(spoken_forms("dsk combinaton"), ["dsk combinaton"])
        self.assertEqual(
            spoken_forms("two seat sofa"), ["two seat sofa", "2 seat sofa"]
        )
