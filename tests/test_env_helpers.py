from __future__ import annotations

import pytest

from config.env import EnvError, env_bool, env_database, env_int, env_list


def test_booleans_accept_the_usual_words_and_refuse_others(monkeypatch):
    for word, expected in [("true", True), ("Yes", True), ("1", True), ("off", False), ("0", False)]:
        monkeypatch.setenv("FLAG", word)
        assert env_bool("FLAG", not expected) is expected
    monkeypatch.setenv("FLAG", "sometimes")
    with pytest.raises(EnvError, match="^FLAG: expected true/false"):
        env_bool("FLAG", False)


def test_integers_are_checked_against_their_minimum(monkeypatch):
    monkeypatch.setenv("N", "3")
    assert env_int("N", 1, minimum=1) == 3
    monkeypatch.setenv("N", "0")
    with pytest.raises(EnvError, match="^N: must be at least 1"):
        env_int("N", 1, minimum=1)
    monkeypatch.setenv("N", "three")
    with pytest.raises(EnvError, match="^N: expected an integer"):
        env_int("N", 1)


def test_an_empty_variable_counts_as_unset(monkeypatch):
    monkeypatch.setenv("HOSTS", "")
    assert env_list("HOSTS", ["localhost"]) == ["localhost"]
    monkeypatch.setenv("HOSTS", "a.example, b.example")
    assert env_list("HOSTS", []) == ["a.example", "b.example"]


def test_a_mysql_url_becomes_a_utf8mb4_strict_database(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "mysql://trader:pw@db.internal:3307/trading")
    config = env_database("DATABASE_URL", "sqlite:///x")
    assert config["ENGINE"] == "django.db.backends.mysql"
    assert (config["NAME"], config["USER"], config["HOST"], config["PORT"]) == ("trading", "trader", "db.internal", 3307)
    assert config["OPTIONS"]["charset"] == "utf8mb4"
