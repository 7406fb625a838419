"""Readers and writers of tables and text, in bounded memory.

TODO
"""
