from django.apps import AppConfig


class ModellingConfig(AppConfig):
    name = "modelling"
