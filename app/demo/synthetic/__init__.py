"""Bulk synthetic cases (``pathway demo --cases N``): invented people, simulated journeys."""

from app.demo.synthetic.loader import GENERATOR_EMAIL, generate_cases

__all__ = ["GENERATOR_EMAIL", "generate_cases"]
