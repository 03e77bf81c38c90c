from salesman.orders.models import Order


def order_ref(request):
    """Order numbers count up over the shop's whole life (salesman's default restarts every year)."""
    return f"B-{Order.objects.count() + 1:06d}"
