import uuid

from django.db import models


class Category(models.Model):
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, unique=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")


class Product(models.Model):
    sku = models.CharField(max_length=64, unique=True)
    title = models.CharField(max_length=200, db_index=True)
    description = models.TextField(blank=True)
    price = models.DecimalField(max_digits=10, decimal_places=2)
    weight_kg = models.FloatField(null=True)
    stock = models.PositiveIntegerField(default=0)
    active = models.BooleanField(default=True)
    attributes = models.JSONField(default=dict)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True)
    category = models.ForeignKey(Category, null=True, on_delete=models.SET_NULL, related_name="products")
    created_at = models.DateTimeField()
    release_date = models.DateField(null=True)
    views = models.BigIntegerField(default=0)


class Customer(models.Model):
    email = models.EmailField(unique=True)
    name = models.CharField(max_length=200)
    joined = models.DateTimeField()


class Order(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="orders")
    total = models.DecimalField(max_digits=12, decimal_places=2)
    placed_at = models.DateTimeField()
    products = models.ManyToManyField(Product, through="OrderLine")

    class Meta:
        indexes = [models.Index(fields=["customer", "placed_at"], name="order_customer_placed")]


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT)
    quantity = models.PositiveSmallIntegerField()
    unit_price = models.DecimalField(max_digits=10, decimal_places=2)

    class Meta:
        unique_together = [("order", "product")]


class Tag(models.Model):
    label = models.CharField(max_length=50, unique=True)
    products = models.ManyToManyField(Product, related_name="tags")
