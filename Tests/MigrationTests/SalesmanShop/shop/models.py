import uuid
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import models


class Category(models.Model):
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, unique=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")

    class Meta:
        verbose_name_plural = "categories"


class Product(models.Model):
    """A salesman product type: `name`, `code` and `get_price(request)`."""
    name = models.CharField(max_length=200)
    code = models.CharField(max_length=64, unique=True)
    description = models.TextField(blank=True)
    price = models.DecimalField(max_digits=10, decimal_places=2)
    weight_kg = models.FloatField(null=True, blank=True)
    stock = models.PositiveIntegerField(default=0)
    active = models.BooleanField(default=True)
    attributes = models.JSONField(default=dict, blank=True)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True)
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="products")
    created_at = models.DateTimeField(auto_now_add=True)
    released = models.DateField(null=True, blank=True)

    def __str__(self):
        return self.name

    def get_price(self, request):
        return self.price


class Bundle(models.Model):
    """A second product type: a set of products sold at a discount."""
    name = models.CharField(max_length=200)
    code = models.CharField(max_length=64, unique=True)
    discount_percent = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("10.00"))
    products = models.ManyToManyField(Product, related_name="bundles")

    def __str__(self):
        return self.name

    def get_price(self, request):
        total = sum((p.price for p in self.products.all()), Decimal("0"))
        return (total * (100 - self.discount_percent) / 100).quantize(Decimal("0.01"), ROUND_HALF_UP)


class ShippingMethod(models.Model):
    """Seeded by a data migration; the shop edits them in the admin."""
    code = models.SlugField(max_length=32, unique=True)
    label = models.CharField(max_length=100)
    price = models.DecimalField(max_digits=8, decimal_places=2)
    active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)


class Banner(models.Model):
    """Seeded by a data migration (a welcome banner); shops delete or replace it."""
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)


class Customer(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="customer")
    phone = models.CharField(max_length=32, blank=True)
    birthday = models.DateField(null=True, blank=True)
    newsletter = models.BooleanField(default=False)
    address = models.JSONField(default=dict, blank=True)
    loyalty_points = models.BigIntegerField(default=0)
    preferred_shipping = models.ForeignKey(ShippingMethod, null=True, blank=True, on_delete=models.PROTECT)
    note = models.TextField(blank=True)


class Review(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="reviews")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    rating = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(rating__gte=1, rating__lte=5), name="review_rating_1_5")]
        indexes = [models.Index(fields=["product", "-created_at"], name="review_product_recent")]
