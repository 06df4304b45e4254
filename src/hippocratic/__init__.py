"""Hippocratic: a patient-data service that makes a privacy notice true by construction."""

__version__ = "0.1.0"
