"""Trained model weights that ship with heard (written by scripts/train_default_models.py)."""
