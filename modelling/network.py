"""The Keras LSTM: building, fitting on the best device, saving and loading its artefact."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import numpy as np

from modelling.config import FORMAT_VERSION, ModelConfig

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's C++ start-up chatter
import keras  # noqa: E402

logger = logging.getLogger(__name__)

# Inputs are fractions around 0 (a 3% move is 0.03); scaled so the network sees values near 1.
INPUT_SCALE = 10.0
TARGET_SCALE = 100.0
MODEL_NAME = f"stock_lstm_format{FORMAT_VERSION}"


class ModelArtefactError(Exception):
    """The saved model is missing, corrupt or of another format."""


class EpochLog(keras.callbacks.Callback):
    """Each epoch's losses into the log (and so the run's log lines), and a step of progress."""

    def __init__(self, advance: Any) -> None:
        super().__init__()
        self.advance = advance

    def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None:
        logger.info("epoch %d: %s", epoch + 1, ", ".join(f"{k} {v:.5f}" for k, v in (logs or {}).items()))
        self.advance()


def _devices() -> list[Any]:
    import tensorflow as tf

    return tf.config.list_physical_devices("GPU")


def strategy() -> Any:
    """All of a worker's GPUs through a mirrored strategy when it has several; the default otherwise."""
    import tensorflow as tf

    gpus = _devices()
    if gpus:
        keras.mixed_precision.set_global_policy("mixed_float16")
    return tf.distribute.MirroredStrategy() if len(gpus) > 1 else tf.distribute.get_strategy()


def device_summary() -> str:
    gpus = _devices()
    return f"{len(gpus)} GPU(s), mixed precision" if gpus else f"CPU ({os.cpu_count()} cores)"


def build(config: ModelConfig) -> keras.Model:
    keras.utils.set_random_seed(config.seed)
    inputs = keras.Input((config.window, len(config.inputs)), name="window")
    hidden = inputs
    for layer in range(config.layers):
        hidden = keras.layers.LSTM(config.units, dropout=config.dropout, return_sequences=layer < config.layers - 1)(hidden)
    outputs = keras.layers.Dense(len(config.targets), dtype="float32", name="next_day")(hidden)
    model = keras.Model(inputs, outputs, name=MODEL_NAME)
    compile_model(model, config)
    return model


def compile_model(model: keras.Model, config: ModelConfig) -> None:
    model.compile(optimizer=keras.optimizers.Adam(config.learning_rate), loss="mse")


def fit(model: keras.Model, x: np.ndarray, y: np.ndarray, x_val: np.ndarray, y_val: np.ndarray, *, epochs: int,
        config: ModelConfig, callbacks: list[Any]) -> list[dict[str, float]]:
    early = keras.callbacks.EarlyStopping(monitor="val_loss", patience=config.patience, restore_best_weights=True)
    history = model.fit(
        x * INPUT_SCALE, y * TARGET_SCALE,
        validation_data=(x_val * INPUT_SCALE, y_val * TARGET_SCALE) if len(x_val) else None,
        epochs=epochs, batch_size=config.batch_size, shuffle=True, verbose=0,
        callbacks=[early, *callbacks] if len(x_val) else callbacks,
    )
    keys = history.history.keys()
    return [{k: float(history.history[k][i]) for k in keys} for i in range(len(history.history["loss"]))]


def predict(model: keras.Model, x: np.ndarray) -> np.ndarray:
    """Predicted targets as fractions of the reference price."""
    if len(x) == 0:
        return np.empty((0, model.output_shape[-1]))
    return np.asarray(model.predict(x * INPUT_SCALE, batch_size=8192, verbose=0), dtype=np.float64) / TARGET_SCALE


def save(model: keras.Model, path: Path) -> None:
    """Write next to the target and rename, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.stem + ".part.keras")  # Keras insists on the .keras suffix
    model.save(partial)
    os.replace(partial, path)


def load(path: Path, config: ModelConfig | None = None) -> keras.Model:
    if not path.exists():
        raise ModelArtefactError(f"model artefact {path} is missing")
    try:
        model = keras.models.load_model(path, compile=False)
    except Exception as exc:  # noqa: BLE001 - a corrupt file fails in many ways; all mean the same here
        raise ModelArtefactError(f"model artefact {path} cannot be read ({type(exc).__name__}: {exc})") from None
    if model.name != MODEL_NAME:
        raise ModelArtefactError(f"model artefact {path} is {model.name!r}, this version reads {MODEL_NAME!r}")
    if config is not None:
        compile_model(model, config)
    return model
