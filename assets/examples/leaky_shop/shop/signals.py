from django.dispatch import Signal

# Sent by shop.pricing.reprice() after prices change; receivers get sender=Product.
prices_changed = Signal()
