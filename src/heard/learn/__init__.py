"""Labelled data, trained models and `heard train`: the learning side of heard."""
