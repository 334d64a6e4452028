"""Synthetic demo data: invented schools, users and pupils (valid-format UPNs, no real people)."""

from app.demo.services import DEMO_PASSWORD, load_demo

__all__ = ["DEMO_PASSWORD", "load_demo"]
