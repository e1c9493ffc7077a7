from django.urls import path

from . import views

urlpatterns = [
    path("", views.index, name="index"),
    path("products/", views.product_list, name="product-list"),
    path("products/<int:pk>/", views.product_detail, name="product-detail"),
    # Planted leaks, one per checklist fix (see leaks.json and the index page).
    path("cache/leak/", views.price_list, name="price-list"),
    path("db/leak/", views.stock_watch, name="stock-watch"),
    path("session/leak/", views.spotlight, name="spotlight"),
    path("session/clear/", views.clear_history, name="clear-history"),
    path("gc/leak/", views.category_menu, name="category-menu"),
    path("weakref/leak/", views.cart_quote, name="cart-quote"),
    # Controls: they use memory, but do not leak it.
    path("cache/bounded/", views.featured, name="featured"),
    path("report/transient/", views.sales_chart, name="sales-chart"),
    path("report/queries/", views.sales, name="sales"),
]
