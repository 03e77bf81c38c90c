from decimal import ROUND_HALF_UP, Decimal

from salesman.basket.modifiers import BasketModifier

CENT = Decimal("0.01")


class ShippingModifier(BasketModifier):
    """Adds the chosen shipping method's price (basket.extra["shipping"] holds its code)."""
    identifier = "shipping"

    def process_basket(self, basket, request):
        from .models import ShippingMethod
        method = ShippingMethod.objects.filter(code=basket.extra.get("shipping", "standard")).first()
        if method is not None and method.price:
            self.add_extra_row(basket, request, label=f"Versand: {method.label}", amount=method.price,
                               extra={"code": method.code})


class VATModifier(BasketModifier):
    """German prices include 19 % VAT; the row shows the VAT share of the total."""
    identifier = "vat"

    def process_basket(self, basket, request):
        vat = (basket.total * Decimal("19") / Decimal("119")).quantize(CENT, ROUND_HALF_UP)
        self.add_extra_row(basket, request, label="enthaltene MwSt. 19 %", amount=vat, extra={"rate": "19"},
                           charge=False)
