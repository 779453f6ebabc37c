"""The records a submission names: its products, salesperson and team.

Checked before anything is stored, with the submitting company's rules; each
problem is a ``{field, message}`` error, as ``lib.payload`` reports them.
"""

from .lib.lookup import clear_best, describe_candidates
from .lib.payload import field_error

# How many candidates an ambiguous product_ref's error lists.
CANDIDATES = 5


def resolve_lines(env, lines):
    """Return ``(line values, errors)``, each product found by id or reference.

    A reference is an internal reference or a name, exact (case-insensitive),
    else as the product lookup finds it.
    """
    Product = env["product.product"].sudo()
    sellable = [("sale_ok", "=", True), ("company_id", "in", [False, env.company.id])]
    resolved, errors = [], []
    for line in lines:
        prefix, ref = line["field_prefix"], line["product_ref"]
        if product_id := line["product_id"]:
            product = Product.search([*sellable, ("id", "=", product_id)])
            if not product:
                errors.append(
                    field_error(
                        f"{prefix}product_id",
                        env._("no sellable product with id %(id)s", id=product_id),
                    )
                )
                continue
        elif not ref:
            continue  # parse_payload already reported the missing product
        else:
            product = Product.search(
                [*sellable, ("default_code", "=ilike", ref)], limit=2
            ) or Product.search([*sellable, ("name", "=ilike", ref)], limit=2)
            if len(product) != 1:
                # Not one exact match: the spoken-name matcher decides, when
                # one of its hits clearly stands out.
                hits = Product._mcp_lookup(ref, CANDIDATES)
                best = None if product else clear_best(hits)
                if not best:
                    message = (
                        env._(
                            "%(ref)r matches several products; give the "
                            "product_id of one of: %(candidates)s",
                            ref=ref,
                            candidates=describe_candidates(hits),
                        )
                        if hits
                        else env._("no sellable product matches %(ref)r", ref=ref)
                    )
                    errors.append(field_error(f"{prefix}product_ref", message))
                    continue
                product = Product.browse(best["id"])
        price = line["price_unit"]
        resolved.append(
            {
                "product_id": product.id,
                "product_ref": ref or False,
                "quantity": line["quantity"],
                "price_unit": -1.0 if price is None else price,
            }
        )
    return resolved, errors


def sales_assignment_errors(env, values):
    """Errors for a requested salesperson or team this company doesn't have."""
    errors = []
    company = env.company
    if (user_id := values["user_id"]) and not env["res.users"].sudo().search(
        [
            ("id", "=", user_id),
            ("share", "=", False),
            ("company_ids", "in", company.id),
        ]
    ):
        errors.append(
            field_error(
                "user_id",
                env._("no active internal user with id %(id)s", id=user_id),
            )
        )
    if (team_id := values["team_id"]) and not env["crm.team"].sudo().search(
        [("id", "=", team_id), ("company_id", "in", [False, company.id])]
    ):
        errors.append(
            field_error(
                "team_id", env._("no active sales team with id %(id)s", id=team_id)
            )
        )
    return errors
