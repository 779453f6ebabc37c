import re
from pathlib import Path

import polib

from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged
from odoo.tools import file_path
from odoo.tools.translate import TranslationModuleReader

MODULE = "mcp_quotation"
I18N = Path(file_path(f"{MODULE}/i18n"))
REFRESH = "re-export them with scripts/i18n-export (README 'Translations')"
# What a translation must carry over unchanged: Python placeholders, format
# fields and HTML tags with their attributes.
UNTRANSLATABLE_RE = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}|</?[A-Za-z][^>]*>")


def catalogue(path):
    """The entries of the .po or .pot file at ``path``, less gettext's obsolete ones."""
    return [entry for entry in polib.pofile(str(path)) if not entry.obsolete]


@tagged("post_install", "-at_install", "mcp_quotation")
class TestTranslations(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.template = {entry.msgid for entry in catalogue(I18N / f"{MODULE}.pot")}
        cls.translations = {path.name: catalogue(path) for path in I18N.glob("*.po")}

    def test_template_holds_every_term_of_the_addon(self):
        """The .pot has exactly the terms Odoo's own export reads from the addon."""
        reader = TranslationModuleReader(self.env.cr, modules=[MODULE])
        # The names of the models the addon only extends (crm.lead,
        # res.company, ...) are their own modules' terms, and which of them
        # an export reads differs by series (18.0 reads them all): neither
        # side counts them.
        extended = {
            f"model:ir.model,name:{MODULE}.model_{name.replace('.', '_')}"
            for name, model in self.env.registry.items()
            if model._original_module != MODULE
        }
        terms = {
            source
            for module, type_, name, res_id, source, _value, _comments in reader
            if module == MODULE and f"{type_}:{name}:{res_id}" not in extended
        }
        template = {
            entry.msgid
            for entry in catalogue(I18N / f"{MODULE}.pot")
            if not {where for where, _line in entry.occurrences} <= extended
        }
        self.assertFalse(
            sorted(terms - template),
            f"Terms missing from i18n/{MODULE}.pot: {REFRESH}.",
        )
        self.assertFalse(
            sorted(template - terms),
            f"Terms in i18n/{MODULE}.pot the addon no longer has: {REFRESH}.",
        )

    def test_each_language_translates_every_term_of_the_template(self):
        """Each .po (es.po first of all) has every msgid, translated and not fuzzy."""
        self.assertIn("es.po", self.translations)
        for name, entries in self.translations.items():
            with self.subTest(name):
                self.assertEqual(
                    {entry.msgid for entry in entries},
                    self.template,
                    f"{name} and the template differ: {REFRESH}.",
                )
                self.assertFalse(
                    [entry.msgid for entry in entries if not entry.msgstr.strip()],
                    f"Empty translations in {name}.",
                )
                self.assertFalse(
                    [entry.msgid for entry in entries if entry.fuzzy],
                    f"Fuzzy translations in {name}: review them, then drop the flag.",
                )

    def test_translations_keep_placeholders_and_markup(self):
        """A translation carries its msgid's placeholders and HTML tags unchanged."""
        for name, entries in self.translations.items():
            for entry in entries:
                with self.subTest(name, msgid=entry.msgid):
                    self.assertEqual(
                        sorted(UNTRANSLATABLE_RE.findall(entry.msgstr)),
                        sorted(UNTRANSLATABLE_RE.findall(entry.msgid)),
                    )

    def test_a_spanish_user_reads_the_addon_in_spanish(self):
        """With es_ES loaded, menus, fields, views and errors come in Spanish."""
        self.env["res.lang"]._activate_lang("es_ES")
        self.env["ir.module.module"]._load_module_terms([MODULE], ["es_ES"])
        env = self.env(context={"lang": "es_ES"})
        Request = env["quotation.request"]

        menu = env.ref("mcp_quotation.quotation_request_menu")
        self.assertEqual(menu.name, "Solicitudes de presupuesto")
        state = Request.fields_get(["state"])["state"]
        self.assertEqual(state["string"], "Estado")
        self.assertIn(
            ["failed", "Fallida"], [list(pair) for pair in state["selection"]]
        )
        form = Request.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('string="Reintentar"', form)
        # A refusal reads in Spanish, the state it names too.
        with self.assertRaisesRegex(
            UserError,
            r"^Solo se pueden duplicar las solicitudes en cola o canceladas; "
            r"reintente las fallidas en lugar de duplicarlas: R1 \(Completada\)$",
        ):
            Request.new({"name": "R1", "state": "completed"}).copy()
