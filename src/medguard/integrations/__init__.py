"""Integrations with other libraries.

Importing one registers it; ``import medguard`` registers nothing.
"""
