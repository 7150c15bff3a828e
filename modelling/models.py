"""The model registry and the predictions it makes."""

from __future__ import annotations

from django.db import models, transaction

from market.models import Stock


class ModelVersion(models.Model):
    class Status(models.TextChoices):
        TRAINING = "training", "Training"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    version = models.CharField(max_length=64, unique=True)
    feature_set = models.CharField(max_length=16, default="morning", help_text="morning (2->2) or daily (OHLC).")
    config = models.JSONField(default=dict, help_text="Hyper-parameters: window, units, layers, dropout, ...")
    data_start = models.DateField(null=True, blank=True)
    data_end = models.DateField(null=True, blank=True)
    data_hash = models.CharField(max_length=64, blank=True, help_text="Hash of the training data; unchanged = skip.")
    metrics = models.JSONField(default=dict, blank=True, help_text="Held-out metrics, with the naive baselines.")
    loss_curve = models.JSONField(default=list, blank=True)
    artefact_path = models.CharField(max_length=512, blank=True)
    format_version = models.PositiveSmallIntegerField(default=1)
    parent = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, help_text="The version this one warm-started from."
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.TRAINING)
    is_active = models.BooleanField(default=False, help_text="The version predictions use; exactly one at a time.")
    training_seconds = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        get_latest_by = "created_at"

    def __str__(self) -> str:
        return f"{self.version}{' (active)' if self.is_active else ''}"

    def activate(self) -> None:
        """Make this the only active version (promotion and rollback are both this)."""
        with transaction.atomic():
            # Lock every row so two promotions at once cannot leave two versions active.
            list(ModelVersion.objects.select_for_update().values_list("pk", flat=True))
            ModelVersion.objects.filter(is_active=True).exclude(pk=self.pk).update(is_active=False)
            ModelVersion.objects.filter(pk=self.pk).update(is_active=True)
        self.is_active = True


class Prediction(models.Model):
    stock = models.ForeignKey(Stock, on_delete=models.CASCADE, related_name="predictions")
    trading_date = models.DateField(help_text="The day the prediction was made for buying (noon).")
    target_date = models.DateField(help_text="The next trading day, whose prices are predicted.")
    predicted_open = models.FloatField()
    predicted_midday = models.FloatField(null=True, blank=True)
    predicted_close = models.FloatField(null=True, blank=True)
    expected_return = models.FloatField(help_text="Predicted sell price over the last known price, minus 1.")
    score = models.FloatField(help_text="Ranking score: higher is bought first.")
    model_version = models.ForeignKey(ModelVersion, on_delete=models.PROTECT, related_name="predictions")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["trading_date", "-score"]
        constraints = [
            models.UniqueConstraint(
                fields=["stock", "trading_date", "model_version"], name="prediction_unique_per_stock_day_model"
            )
        ]
        indexes = [models.Index(fields=["trading_date", "score"], name="prediction_day_score")]

    def __str__(self) -> str:
        return f"{self.stock_id} {self.trading_date}: {self.score:.4f}"
