"""The demo catalogue: 6 categories, 48 products and a few hundred past orders, always the same."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from django.db import transaction

from .models import Category, Order, OrderItem, Product

CATALOGUE = {
    "Coffee": ["Ethiopia Yirgacheffe", "Colombia Huila", "Kenya AA", "Sumatra Mandheling",
               "Brazil Cerrado", "Guatemala Antigua", "House Espresso", "Decaf Swiss Water"],
    "Tea": ["Darjeeling First Flush", "Assam Breakfast", "Sencha", "Gyokuro",
            "Earl Grey", "Jasmine Pearls", "Rooibos", "Oolong Tie Guan Yin"],
    "Brewing gear": ["Pour-over Dripper", "Gooseneck Kettle", "Burr Grinder", "French Press",
                     "AeroPress", "Moka Pot", "Cold Brew Jar", "Digital Scale"],
    "Mugs & cups": ["Stoneware Mug", "Double-wall Glass", "Espresso Cups (pair)", "Travel Tumbler",
                    "Tea Bowl", "Latte Bowl", "Enamel Camp Mug", "Porcelain Teacup"],
    "Snacks": ["Almond Biscotti", "Dark Chocolate 70%", "Shortbread Tin", "Stroopwafels",
               "Candied Orange Peel", "Hazelnut Praline", "Oat Cookies", "Matcha Truffles"],
    "Gift boxes": ["Coffee Discovery Box", "Tea Tasting Flight", "Brewer's Starter Kit", "Chocolate & Coffee",
                   "Afternoon Tea Hamper", "Espresso Lover's Set", "Cold Brew Summer Box", "Gift Card Box"],
}

_SENTENCES = [
    "Sourced directly from a small group of growers we have worked with for years.",
    "Roasted or packed to order in our workshop, then shipped the same week.",
    "Tasting notes change a little from harvest to harvest; that is part of the charm.",
    "Pairs well with a slow weekend morning and a good book.",
    "Every batch is checked by hand before it leaves the shelf.",
    "Packed in recyclable materials, with a resealable valve bag where it matters.",
    "Our staff favourite for the colder months, and a popular gift all year round.",
    "Store somewhere cool and dark, away from strong smells, and use within six weeks.",
    "Designed to be used every day, and to look good on an open shelf between uses.",
    "Comes with a printed card explaining where it comes from and how we use it.",
]


def seed_catalogue() -> int:
    """Fill an empty catalogue; returns the number of products created (0 when already seeded)."""
    with transaction.atomic():
        if Product.objects.exists():
            return 0
        rng = random.Random(20240601)
        products = []
        for category_name, names in CATALOGUE.items():
            slug = category_name.lower().replace(" & ", "-").replace("'", "").replace(" ", "-")
            category = Category.objects.create(name=category_name, slug=slug)
            for index, name in enumerate(names):
                sentences = rng.sample(_SENTENCES, 6)
                products.append(
                    Product(
                        category=category,
                        sku=f"{slug[:3].upper()}-{index + 1:03d}",
                        name=name,
                        description=f"{name}. " + " ".join(sentences) + " " + " ".join(sentences[:4]),
                        price=Decimal(rng.randrange(450, 6900)) / 100,
                        stock=rng.randrange(0, 120),
                    )
                )
        Product.objects.bulk_create(products)
        products = list(Product.objects.all())

        start = datetime(2024, 1, 1, tzinfo=timezone.utc)
        orders = Order.objects.bulk_create(
            Order(
                customer_email=f"customer{n % 70}@example.com",
                status=rng.choice([Order.Status.PAID, Order.Status.SHIPPED, Order.Status.CANCELLED]),
                created_at=start + timedelta(hours=7 * n + rng.randrange(0, 6)),
            )
            for n in range(240)
        )
        OrderItem.objects.bulk_create(
            OrderItem(order=order, product=product, quantity=rng.randrange(1, 4), unit_price=product.price)
            for order in orders
            for product in rng.sample(products, rng.randrange(1, 5))
        )
        return len(products)
