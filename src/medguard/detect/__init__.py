"""Find personal data in text, tables and files."""
