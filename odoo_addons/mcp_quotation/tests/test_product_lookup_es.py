from odoo.tests import TransactionCase, tagged

# The catalogue as a Spanish company keeps it: (English name, Spanish name,
# reference); the Spanish names are stored as the es_ES translations.
CATALOGUE = [
    ("Ergonomic Office Chair", "Silla de oficina ergonómica", None),
    ("Height-Adjustable Desk", "Escritorio elevable", None),
    ("Large Meeting Table", "Mesa de reuniones grande", None),
    ("Wooden Bookcase", "Estantería de madera", None),
    ("Cabinet with Doors", "Armario con puertas", None),
    ("Kitchen Stool", "Taburete de cocina", None),
    ("Children's Sofa", "Sofá para niños", None),
    ("Metal Waste Bin", "Papelera metálica", None),
    ("Ceiling Lamp", "Lámpara de techo", None),
    ("Stainless Steel Coffee Maker", "Cafetera de acero inoxidable", None),
    ("Cotton Hammock", "Hamaca de algodón", None),
    ("Toolbox", "Caja de herramientas", None),
    ("Hand Truck", "Carretilla de mano", None),
    ("Wool Rug", "Alfombra de lana", None),
    ("New Year Hamper", "Cesta de Año Nuevo", None),
    ("Rag Doll", "Muñeca de trapo", None),
    ("Ceramic Sink", "Fregadero de cerámica", None),
    ("Lithium Battery 24V", "Batería de litio 24V", None),
    ("Lithium Battery 36V", "Batería de litio 36V", None),
    ("Lithium Battery 48V", "Batería de litio 48V", None),
    ("27-inch Monitor", "Monitor de 27 pulgadas", None),
    ("32-inch Monitor", "Monitor de 32 pulgadas", None),
    ("Mobile Robot Lidar 519", "Robot móvil lidar 519", "GEN-000519"),
    ("Mobile Robot Lidar 518", "Robot móvil lidar 518", "GEN-000518"),
    ("Mobile Robot Lidar 591", "Robot móvil lidar 591", "GEN-000591"),
]

# What a speech-to-text engine writes for a Spanish caller, and the Spanish
# name of the product meant: dropped accents and ñ, seseo (c and z as s),
# yeísmo (ll as y), a silent h, b for v, numbers said as words.
SAID = [
    ("silla de ofisina ergonomica", "Silla de oficina ergonómica"),
    ("escritorio elebable", "Escritorio elevable"),
    ("mesa de reuniones grande", "Mesa de reuniones grande"),
    ("estanteria de madera", "Estantería de madera"),
    ("harmario con puerta", "Armario con puertas"),
    ("taburete de cosina", "Taburete de cocina"),
    ("sofa para ninos", "Sofá para niños"),
    ("papelera metalica", "Papelera metálica"),
    ("lampara de techo", "Lámpara de techo"),
    ("cafetera de asero inoxidable", "Cafetera de acero inoxidable"),
    ("amaca de algodon", "Hamaca de algodón"),
    ("caja de erramientas", "Caja de herramientas"),
    ("carretiya de mano", "Carretilla de mano"),
    ("alfonbra de lana", "Alfombra de lana"),
    ("cesta de ano nuevo", "Cesta de Año Nuevo"),
    ("muneca de trapo", "Muñeca de trapo"),
    ("fregadero de seramica", "Fregadero de cerámica"),
    ("bateria de litio de cuarenta y ocho voltios", "Batería de litio 48V"),
    ("bateria de litio de veinticuatro voltios", "Batería de litio 24V"),
    ("batería de treinta y seis voltios", "Batería de litio 36V"),
    ("monitor de veintisiete pulgadas", "Monitor de 27 pulgadas"),
    ("monitor de treinta y dos pulgadas", "Monitor de 32 pulgadas"),
    ("robot movil lidar quinientos diecinueve", "Robot móvil lidar 519"),
]

# A reference read out as callers do, and the reference meant.
REFERENCES = [
    ("G E N 0 0 0 5 1 9", "GEN-000519"),
    ("G-E-N-0-0-0-5-1-9", "GEN-000519"),
    ("gen 000519", "GEN-000519"),
    ("G E N cero cero cero cinco uno nueve", "GEN-000519"),
    ("GEN 0 0 0 5 9 1", "GEN-000591"),
]


@tagged("post_install", "-at_install", "mcp_quotation")
class TestProductLookupSpanish(TransactionCase):
    """A Spanish catalogue looked up as a Spanish caller's words are written."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("es_ES")
        cls.products = {}
        for english, spanish, reference in CATALOGUE:
            product = cls.env["product.product"].create(
                {"name": english, "default_code": reference}
            )
            product.with_context(lang="es_ES").name = spanish
            cls.products[spanish] = product

    def top_hit(self, words):
        hits = self.env["product.product"]._mcp_lookup(words, 5)
        return self.env["product.product"].browse(hits[0]["id"]) if hits else None

    def test_the_spanish_names_are_translations(self):
        """The catalogue's Spanish names are its es_ES translations, not its own."""
        chair = self.products["Silla de oficina ergonómica"]
        self.assertEqual(
            chair.with_context(lang="en_US").name, "Ergonomic Office Chair"
        )
        self.assertEqual(
            chair.with_context(lang="es_ES").name, "Silla de oficina ergonómica"
        )

    def test_what_a_spanish_caller_says_finds_the_product_first(self):
        """Each Spanish phrase as speech-to-text writes it finds its product first."""
        self.assertGreaterEqual(len(SAID), 15)
        for said, meant in SAID:
            with self.subTest(said=said):
                self.assertEqual(self.top_hit(said), self.products[meant])

    def test_spanish_lookups_answer_in_the_api_users_language(self):
        """A hit found by its Spanish name is named in the caller's language."""
        [hit, *_] = self.env["product.product"]._mcp_lookup("sofa para ninos", 5)
        self.assertEqual(hit["name"], "Children's Sofa")
        [hit, *_] = (
            self.env["product.product"]
            .with_context(lang="es_ES")
            ._mcp_lookup("sofa para ninos", 5)
        )
        self.assertEqual(hit["name"], "Sofá para niños")

    def test_references_read_out_letter_by_letter_find_their_product(self):
        """Letters and digits read one at a time, spaced or hyphenated, still match."""
        Product = self.env["product.product"]
        for said, reference in REFERENCES:
            with self.subTest(said=said):
                self.assertEqual(
                    self.top_hit(said),
                    Product.search([("default_code", "=", reference)]),
                )
