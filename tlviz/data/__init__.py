"""Datasets: packaged image sets (:mod:`tlviz.data.images`), students' uploads, and toy text tasks written by the
project (one module per task)."""
